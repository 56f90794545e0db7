import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

/** Polls wait as long as locators do: a loaded machine answers slowly. */
const POLL = { timeout: 30_000 };

describe.runIf(canRunBrowser)("the web app in Chromium: rate-limit profiles", () => {
  let harness: BrowserHarness;
  let page: Page;

  beforeAll(async () => {
    harness = await startBrowserHarness({ maxReplyTokens: 4 });
    page = await harness.open("/");
    await setUpThroughTheApp(page);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  const isDark = async () => ((await page.locator("html").getAttribute("class")) ?? "").split(" ").includes("dark");
  const section = () => page.getByRole("region", { name: "Rate limits" });
  const item = (id: string) =>
    section()
      .getByRole("list", { name: "Rate-limit profiles" })
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name: id, exact: true }) });

  it("defines a profile, names a wrong field beside it, assigns it to a role, and the user hits it", async () => {
    await page.goto("/admin/rate-limits");
    await section().getByText("No profiles yet.").waitFor();
    await section().getByRole("button", { name: "Add profile" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a rate-limit profile" });
    await dialog.getByRole("textbox", { name: "Id" }).fill("Two Words");
    await dialog.getByRole("textbox", { name: "Calls per minute" }).fill("2");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.getByText(/must be 1–63 lowercase letters/).waitFor();
    expect(await dialog.getByRole("textbox", { name: "Id" }).getAttribute("aria-invalid")).toBe("true");
    expect(await seriousViolations(page), "the profile dialog").toEqual([]);
    await dialog.getByRole("textbox", { name: "Id" }).fill("pair");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "hidden" });
    await item("pair").getByText("2 calls a minute").waitFor();
    await item("pair").getByText("Not assigned").waitFor();

    // Assigned to the role admin: the admin's own sends now count against it.
    await section().getByRole("combobox", { name: "Role" }).selectOption("admin");
    await section().getByRole("button", { name: "Assign", exact: true }).click();
    await section().getByRole("status").getByText("Assigned.").waitFor();
    await item("pair")
      .getByRole("list", { name: "What pair is assigned to" })
      .getByRole("button", { name: "Remove role admin" })
      .waitFor();

    await page.goto("/settings/usage");
    await page.getByText("Your rate-limit profile: pair.").waitFor(POLL);
    await page.getByRole("list", { name: "Your rate limits" }).getByText("2 calls a minute (2 left now)").waitFor();
    const csrf = ((await (await page.request.get("/api/auth/me")).json()) as { csrfToken: string }).csrfToken;
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) {
      const created = (await (
        await page.request.post("/api/conversations", { data: {}, headers: { "X-CSRF-Token": csrf } })
      ).json()) as { id: string };
      const sent = await page.request.post(`/api/conversations/${created.id}/messages`, {
        data: { content: "Hi" },
        headers: { "X-CSRF-Token": csrf },
      });
      statuses.push(sent.status());
      if (sent.status() === 429) {
        expect(sent.headers().ratelimit).toBe('"requests-per-minute";r=0;t=60');
        expect(sent.headers()["retry-after"]).toBe("30");
      }
    }
    expect(statuses).toEqual([202, 202, 429]);
    await page.reload();
    await page.getByRole("list", { name: "Your rate limits" }).getByText("2 calls a minute (0 left now)").waitFor();
    expect(harness.problems.filter((problem) => !problem.includes("429"))).toEqual([]);
  }, 90_000);

  it("edits and deletes a profile, its assignments with it, and passes axe in both themes", async () => {
    await page.goto("/admin/rate-limits");
    await item("pair").getByRole("button", { name: "Edit pair" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit pair" });
    expect(await dialog.getByRole("textbox", { name: "Calls per minute" }).inputValue()).toBe("2");
    await dialog.getByRole("textbox", { name: "Tokens per day" }).fill("50000");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "hidden" });
    await item("pair").getByText("2 calls a minute · 50,000 tokens a day").waitFor();
    for (const theme of ["light", "dark"] as const) {
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      await expect.poll(isDark, POLL).toBe(theme === "dark");
      expect(await seriousViolations(page), theme).toEqual([]);
    }
    await item("pair").getByRole("button", { name: "Delete pair" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete the profile pair?" });
    await confirm.getByRole("button", { name: "Delete" }).click();
    await confirm.waitFor({ state: "hidden" });
    await section().getByText("No profiles yet.").waitFor();
    await page.goto("/settings/usage");
    await page.getByText("No rate-limit profile applies to you: only your own limits.").waitFor(POLL);
    expect(harness.problems.filter((problem) => !problem.includes("429"))).toEqual([]);
  }, 90_000);
});

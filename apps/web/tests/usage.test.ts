import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

/** Polls wait as long as locators do: a loaded machine answers slowly. */
const POLL = { timeout: 30_000 };

interface Report {
  totals: { calls: number; totalTokens: number };
}

describe.runIf(canRunBrowser)("the web app in Chromium: usage", () => {
  let harness: BrowserHarness;
  let page: Page;
  /** What the server's report says, to compare the page with. */
  let totals: Report["totals"];

  beforeAll(async () => {
    harness = await startBrowserHarness({ maxReplyTokens: 8 });
    page = await harness.open("/");
    await setUpThroughTheApp(page);
    // Two replies, written through the app's composer.
    for (const text of ["Hello", "And again"]) {
      await page.getByRole("textbox", { name: "Message" }).fill(text);
      await page.getByRole("button", { name: "Send" }).click();
      await page.getByRole("button", { name: "Stop" }).waitFor({ state: "detached", timeout: 30_000 });
    }
    // The second reply's usage is written as it settles, a moment after its stop button goes.
    // A loaded machine may take many seconds (seen: past 10 s in CI).
    for (let attempt = 0; attempt < 600; attempt++) {
      totals = ((await (await page.request.get("/api/usage")).json()) as Report).totals;
      if (totals.calls === 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(totals.calls, "both replies' usage is recorded").toBe(2);
  }, 180_000);
  afterAll(async () => {
    await harness?.close();
  });

  const isDark = async () => ((await page.locator("html").getAttribute("class")) ?? "").split(" ").includes("dark");
  const today = () => new Date().toISOString().slice(0, 10);

  it("shows a user's own usage: totals, a chart per day and model, the same numbers as a table, and a CSV", async () => {
    await page.goto("/settings/usage");
    const section = page.getByRole("region", { name: "Usage" });
    await section.getByText(`${totals.calls} calls, ${totals.totalTokens.toLocaleString("en")} tokens`).waitFor(POLL);
    const chart = section.getByRole("img", { name: /^Tokens per day, by model:/ });
    expect(await chart.getAttribute("aria-label")).toContain(`over 30 days and 1 models`);
    await section.getByRole("list", { name: "Models" }).getByText("local/tiny-chat").waitFor();
    const table = section.getByRole("table", { name: "By day and model" });
    const row = table.getByRole("row", { name: new RegExp(`^${today()} local/tiny-chat 2 `) });
    await row.waitFor();
    expect(await row.getByRole("cell").nth(4).textContent()).toBe(totals.totalTokens.toLocaleString("en"));

    // The range narrows to days without calls: nothing to show.
    await section.getByLabel("To", { exact: true }).fill("2026-01-02");
    await section.getByLabel("From", { exact: true }).fill("2026-01-01");
    await section.getByText("No model calls in this range.").waitFor();
    const csv = await page.request.get(
      (await section.getByRole("link", { name: "Download CSV" }).getAttribute("href")) ?? "",
    );
    expect(csv.headers()["content-type"]).toMatch(/^text\/csv/);
    expect((await csv.text()).split("\r\n")[0]).toBe(
      "day,model,calls,prompt_tokens,completion_tokens,total_tokens,avg_first_token_ms,tokens_per_second",
    );
    expect(harness.problems).toEqual([]);
  }, 60_000);

  it("shows admins everyone's usage, by user too, and passes axe in both themes", async () => {
    for (const theme of ["light", "dark"] as const) {
      await page.goto("/admin/usage");
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      await expect.poll(isDark, POLL).toBe(theme === "dark");
      const section = page.getByRole("region", { name: "Usage" });
      await section
        .getByRole("table", { name: "By user" })
        .getByRole("row", { name: /^ada 2 / })
        .waitFor(POLL);
      await section.getByRole("img", { name: /^Tokens per day, by model:/ }).waitFor();
      expect(await seriousViolations(page), theme).toEqual([]);
    }
    expect(harness.problems).toEqual([]);
  }, 60_000);
});

import { type OpenAIProtocolReplay, startOpenAIProtocolReplay } from "@hearth/engine/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import {
  type BrowserHarness,
  canRunBrowser,
  setUpThroughTheApp,
  signInThroughTheApp,
  startBrowserHarness,
} from "./browser.ts";

const BEA = { username: "bea", email: "bea@example.com", password: "bea's own password" };
/** Polls wait as long as locators do: a loaded machine answers slowly. */
const POLL = { timeout: 30_000 };

describe.runIf(canRunBrowser)("the web app in Chromium: administration", () => {
  let harness: BrowserHarness;
  let replay: OpenAIProtocolReplay;
  let page: Page;

  beforeAll(async () => {
    replay = await startOpenAIProtocolReplay(["gpt-4.1-mini", "text-embedding-3-small"]);
    harness = await startBrowserHarness();
    page = await harness.open("/");
    await setUpThroughTheApp(page);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
    await replay?.close();
  });

  const isDark = async () => ((await page.locator("html").getAttribute("class")) ?? "").split(" ").includes("dark");
  const users = () => page.getByRole("list", { name: "Users" });
  const userItem = (email: string) => users().getByRole("listitem").filter({ hasText: email });
  const providerItem = (id: string) =>
    page
      .getByRole("list", { name: "Providers" })
      .getByRole("listitem")
      .filter({ has: page.getByRole("heading", { name: id, exact: true }) });

  it("creates a user, who signs in elsewhere and finds no administration", async () => {
    await page.getByRole("link", { name: "Administration" }).click();
    await page.waitForURL(/\/admin$/);
    await page.getByRole("heading", { level: 1, name: "Administration" }).waitFor();
    await userItem("ada@example.com").getByText("(you)").waitFor();

    await page.getByRole("button", { name: "Create user" }).click();
    const dialog = page.getByRole("dialog", { name: "Create a user" });
    await dialog.getByLabel("Username").fill(BEA.username);
    await dialog.getByLabel("Email").fill(BEA.email);
    await dialog.getByLabel("Password").fill(BEA.password);
    await dialog.getByRole("button", { name: "Create user" }).click();
    await dialog.waitFor({ state: "hidden" });
    await userItem(BEA.email).waitFor();
    expect(await userItem(BEA.email).getByRole("combobox", { name: "Role" }).inputValue()).toBe("user");

    // The same email again: the server's answer is shown in the dialog, which stays open.
    await page.getByRole("button", { name: "Create user" }).click();
    await dialog.getByLabel("Username").fill("bea2");
    await dialog.getByLabel("Email").fill(BEA.email);
    await dialog.getByLabel("Password").fill(BEA.password);
    await dialog.getByRole("button", { name: "Create user" }).click();
    await dialog.getByRole("alert").getByText(`An account with the email ${BEA.email} already exists.`).waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();

    const bea = await harness.open("/");
    await signInThroughTheApp(bea, BEA);
    await bea.getByRole("link", { name: "Settings" }).waitFor();
    expect(await bea.getByRole("link", { name: "Administration" }).count()).toBe(0);
    await bea.goto("/admin");
    await bea.getByRole("heading", { name: "This page does not exist." }).waitFor();
    expect(await bea.getByRole("button", { name: "Create user" }).count()).toBe(0);
    expect((await bea.request.get("/api/admin/users")).status()).toBe(403);
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("changes a role, disables and enables a user, and shows their limits", async () => {
    const role = userItem(BEA.email).getByRole("combobox", { name: "Role" });
    await role.selectOption("admin");
    await expect
      .poll(async () => (await page.request.get("/api/admin/users")).json(), POLL)
      .toMatchObject({
        data: expect.arrayContaining([expect.objectContaining({ email: BEA.email, role: "admin" })]),
      });
    await role.selectOption("user");
    await expect.poll(() => role.inputValue(), POLL).toBe("user");

    const bea = await harness.open("/");
    await signInThroughTheApp(bea, BEA);
    await page.getByRole("button", { name: "Disable bea" }).click();
    const confirm = page.getByRole("dialog", { name: "Disable bea?" });
    await confirm.getByRole("button", { name: "Disable" }).click();
    await confirm.waitFor({ state: "hidden" });
    await userItem(BEA.email).getByText("Disabled").waitFor();
    await bea.reload();
    await bea.getByRole("button", { name: "Sign in" }).waitFor();

    await page.getByRole("button", { name: "Enable bea" }).click();
    await userItem(BEA.email).getByText("Active").waitFor();
    await signInThroughTheApp(bea, BEA);

    const limits = page.getByRole("button", { name: "Limits bea" });
    await limits.click();
    expect(await limits.getAttribute("aria-expanded")).toBe("true");
    const table = userItem(BEA.email).getByRole("table", { name: "Limits and usage" });
    await table.getByRole("rowheader", { name: "Messages per minute" }).waitFor();
    const apiKeysRow = table.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "API keys" }) });
    // bea holds no key yet: "0" used, read from the server's report.
    expect(await apiKeysRow.getByRole("cell").last().textContent()).toBe("0");
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("adds a provider, tests its connection, and removes it", async () => {
    await page
      .getByRole("navigation", { name: "Administration sections" })
      .getByRole("link", { name: "Providers" })
      .click();
    await page.getByRole("heading", { level: 2, name: "Providers" }).waitFor();
    await page.getByText("No providers yet").waitFor();

    await page.getByRole("button", { name: "Add provider" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a provider" });
    expect(await dialog.getByRole("combobox", { name: "Kind" }).inputValue()).toBe("openai-compatible");
    await dialog.getByLabel("ID", { exact: true }).fill("replay");
    await dialog.getByLabel("Base URL").fill(`${replay.url}/v1`);
    await dialog.getByLabel("API key").fill("sk-replay-secret");
    await dialog.getByRole("button", { name: "Add provider" }).click();
    await dialog.waitFor({ state: "hidden" });

    const item = providerItem("replay");
    await item.getByText("API key stored").waitFor();
    expect(await page.content()).not.toContain("sk-replay-secret");
    await item.getByRole("button", { name: "Test connection replay" }).click();
    await item
      .getByRole("status")
      .getByText(/^Connected in \d+ ms, 2 models: gpt-4\.1-mini, text-embedding-3-small$/)
      .waitFor();
    expect(replay.requests.some((request) => request.authorization === "Bearer sk-replay-secret")).toBe(true);

    await item.getByRole("button", { name: "Remove replay" }).click();
    const confirm = page.getByRole("dialog", { name: "Remove the provider replay?" });
    await confirm.getByRole("button", { name: "Remove" }).click();
    await confirm.waitFor({ state: "hidden" });
    await page.getByText("No providers yet").waitFor();
    expect((await page.request.get("/api/admin/providers/replay")).status()).toBe(404);
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("shows why a provider cannot be reached", async () => {
    await page.goto("/admin/providers");
    await page.getByRole("button", { name: "Add provider" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a provider" });
    await dialog.getByRole("combobox", { name: "Kind" }).selectOption("ollama");
    await dialog.getByLabel("ID", { exact: true }).fill("nowhere");
    // A port nothing listens on: the test answers, with the reason, instead of failing.
    await dialog.getByLabel("Base URL").fill("http://127.0.0.1:9");
    await dialog.getByRole("button", { name: "Add provider" }).click();
    const item = providerItem("nowhere");
    await item.getByRole("button", { name: "Test connection nowhere" }).click();
    await item
      .getByRole("status")
      .getByText(/^Could not connect \(after \d+ ms\): .+/)
      .waitFor();
    await item.getByRole("button", { name: "Remove nowhere" }).click();
    await page
      .getByRole("dialog", { name: "Remove the provider nowhere?" })
      .getByRole("button", { name: "Remove" })
      .click();
    await page.getByText("No providers yet").waitFor();
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("passes axe on every screen and dialog, in light and dark", async () => {
    for (const theme of ["light", "dark"] as const) {
      await page.goto("/admin");
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      await expect.poll(isDark, POLL).toBe(theme === "dark");
      await userItem(BEA.email).waitFor();
      await page.getByRole("button", { name: "Limits bea" }).click();
      await userItem(BEA.email).getByRole("table").waitFor();
      expect(await seriousViolations(page), `${theme}: users`).toEqual([]);
      await page.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("dialog", { name: "Create a user" }).waitFor();
      expect(await seriousViolations(page), `${theme}: create user`).toEqual([]);
      await page.keyboard.press("Escape");
      await page.getByRole("button", { name: "Disable bea" }).click();
      await page.getByRole("dialog", { name: "Disable bea?" }).waitFor();
      expect(await seriousViolations(page), `${theme}: disable`).toEqual([]);
      await page.keyboard.press("Escape");

      await page.goto("/admin/providers");
      await page.getByRole("button", { name: "Add provider" }).click();
      const dialog = page.getByRole("dialog", { name: "Add a provider" });
      await dialog.waitFor();
      expect(await seriousViolations(page), `${theme}: add provider`).toEqual([]);
      await dialog.getByLabel("ID", { exact: true }).fill(`replay-${theme}`);
      await dialog.getByLabel("Base URL").fill(`${replay.url}/v1`);
      await dialog.getByRole("button", { name: "Add provider" }).click();
      const item = providerItem(`replay-${theme}`);
      await item.getByRole("button", { name: `Test connection replay-${theme}` }).click();
      await item
        .getByRole("status")
        .getByText(/^Connected in/)
        .waitFor();
      expect(await seriousViolations(page), `${theme}: providers`).toEqual([]);
      await item.getByRole("button", { name: `Remove replay-${theme}` }).click();
      await page.getByRole("dialog", { name: `Remove the provider replay-${theme}?` }).waitFor();
      expect(await seriousViolations(page), `${theme}: remove provider`).toEqual([]);
      await page.keyboard.press("Escape");
    }
    expect(harness.problems).toEqual([]);
  }, 120_000);
});

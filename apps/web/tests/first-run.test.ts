import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import {
  type BrowserHarness,
  canRunBrowser,
  setUpThroughTheApp,
  signInThroughTheApp,
  startBrowserHarness,
} from "./browser.ts";

describe.runIf(canRunBrowser)("the web app in Chromium: first run", () => {
  let harness: BrowserHarness;
  beforeAll(async () => {
    harness = await startBrowserHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("sets up the first account, sends a message, streams the reply, signs out and back in", async () => {
    const page = await harness.open("/");
    await page.getByRole("button", { name: "Create account" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await setUpThroughTheApp(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole("textbox", { name: "Message" }).fill("Hello, Hearth");
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForURL(/\/c\/[0-9a-f-]+$/);
    await expect.poll(() => page.locator("article").first().textContent(), { timeout: 30_000 }).not.toBe("");
    await page.getByRole("button", { name: "Send" }).waitFor({ timeout: 30_000 });
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Sign out" }).click();
    await signInThroughTheApp(page);
    const conversations = page.getByRole("navigation", { name: "Conversations" }).getByRole("link");
    await expect.poll(() => conversations.count()).toBe(1);
    expect(harness.problems).toEqual([]);
  }, 120_000);
});

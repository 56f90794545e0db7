import { createHearthClient } from "@hearth/sdk";
import { ADMIN } from "@hearth/server/testing";
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

const SECTIONS = ["Profile", "Password", "Appearance", "API keys"] as const;
const NEW_PASSWORD = "a brand new passphrase";
/** Polls wait as long as locators do: a loaded machine answers slowly. */
const POLL = { timeout: 30_000 };

describe.runIf(canRunBrowser)("the web app in Chromium: settings", () => {
  let harness: BrowserHarness;
  let page: Page;
  /** ADMIN's password as it stands (the password test changes it). */
  let password = ADMIN.password;

  beforeAll(async () => {
    harness = await startBrowserHarness();
    page = await harness.open("/");
    await setUpThroughTheApp(page);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  // Read through locators: these tests are type-checked without the DOM's globals.
  const isDark = async (on: Page) =>
    ((await on.locator("html").getAttribute("class")) ?? "").split(" ").includes("dark");
  const section = (name: string) => page.getByRole("region", { name });
  const openSection = async (name: (typeof SECTIONS)[number]) => {
    await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name }).click();
    await section(name).getByRole("heading", { level: 2, name }).waitFor();
  };
  /** A page in a fresh browser profile, signed in as the admin. */
  const signedInElsewhere = async () => {
    const other = await harness.open("/");
    await signInThroughTheApp(other, { email: ADMIN.email, password });
    return other;
  };
  const meByKey = (key: string) =>
    createHearthClient({ baseUrl: harness.server.url, apiKey: key, retries: 0 }).api.GET("/api/auth/me");

  it("opens from the sidebar, each section a link that is marked current", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.waitForURL(/\/settings$/);
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    await section("Profile").getByText(ADMIN.email).waitFor();
    for (const name of SECTIONS) {
      await openSection(name);
      const link = page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name });
      expect(await link.getAttribute("aria-current")).toBe("page");
    }
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("changes the theme: at once, after a reload, and in another browser where the same user signs in", async () => {
    await page.goto("/settings/appearance");
    await page.getByRole("radio", { name: "Dark" }).check();
    expect(await isDark(page)).toBe(true);
    await section("Appearance").getByRole("status").getByText("Saved.").waitFor();

    await page.reload();
    await page.getByRole("radio", { name: "Dark" }).waitFor();
    expect(await isDark(page)).toBe(true);
    expect(await page.getByRole("radio", { name: "Dark" }).isChecked()).toBe(true);

    const other = await harness.open("/");
    await other.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await isDark(other)).toBe(false);
    await signInThroughTheApp(other, { email: ADMIN.email, password });
    await expect.poll(() => isDark(other), POLL).toBe(true);

    // The header's Theme select saves too: the first browser takes it up when it next loads.
    await other.getByRole("combobox", { name: "Theme" }).selectOption("light");
    await expect.poll(() => isDark(other), POLL).toBe(false);
    await expect
      .poll(async () => (await other.request.get("/api/auth/me")).json(), POLL)
      .toMatchObject({ user: { theme: "light" } });
    await page.reload();
    await page.getByRole("radio", { name: "Light" }).waitFor();
    expect(await isDark(page)).toBe(false);
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("switches every screen to German at once, keeps it after a reload, and in another browser", async () => {
    await page.goto("/settings/appearance");
    const language = page.getByRole("combobox", { name: "Language" });
    await language.waitFor();
    expect(await language.locator("option").allTextContents()).toEqual([
      "The browser's language",
      "English",
      "Deutsch",
      "Español",
      "Français",
    ]);
    await language.selectOption({ label: "Deutsch" });
    await page.getByRole("heading", { level: 1, name: "Einstellungen" }).waitFor();
    await page.getByRole("button", { name: "Neuer Chat" }).first().waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("de");
    await section("Darstellung").getByRole("status").getByText("Gespeichert.").waitFor();

    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Einstellungen" }).waitFor();

    // The sign-in page is in the browser's language; what follows it, in the user's.
    const other = await harness.open("/settings/profile");
    await other.getByLabel("Email").fill(ADMIN.email);
    await other.getByLabel("Password").fill(password);
    await other.getByRole("button", { name: "Sign in" }).click();
    await other.getByRole("heading", { level: 1, name: "Einstellungen" }).waitFor();
    // Dates follow the language: the profile's "member since" is written the German way.
    const memberSince = await other.getByRole("region", { name: "Profil" }).locator("dd").last().textContent();
    expect(memberSince).toMatch(/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/);

    // Back to the browser's language (English in this Chromium), on the server too.
    await page.getByRole("combobox", { name: "Sprache" }).selectOption({ label: "Sprache des Browsers" });
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    await expect
      .poll(async () => (await page.request.get("/api/auth/me")).json(), POLL)
      .toMatchObject({ user: { language: null } });
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("creates an API key shown once with a Copy button, which works as a Bearer token until it is revoked", async () => {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.goto("/settings/api-keys");
    await section("API keys").getByText("No API keys yet.").waitFor();
    await page.getByRole("textbox", { name: "Name" }).fill("deploy script");
    await page.getByRole("button", { name: "Create key" }).click();

    const dialog = page.getByRole("dialog", { name: "The key deploy script is ready" });
    await dialog.getByText("it will not be shown again").waitFor();
    const key = await dialog.getByRole("textbox", { name: "API key" }).inputValue();
    expect(key).toMatch(/^hk_/);
    await dialog.getByRole("button", { name: "Copy" }).click();
    await dialog.getByRole("status").getByText("Copied to the clipboard.").waitFor();
    const clipboard = () =>
      (navigator as unknown as { clipboard: { readText(): Promise<string> } }).clipboard.readText();
    expect(await page.evaluate(clipboard)).toBe(key);
    expect((await meByKey(key)).response.status).toBe(200);

    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "hidden" });
    const item = page.getByRole("list", { name: "Your API keys" }).getByRole("listitem");
    await item.filter({ hasText: "deploy script" }).waitFor();
    expect(await item.textContent()).toMatch(/never used/);
    await page.reload();
    await item.filter({ hasText: "last used" }).waitFor();
    expect(await page.content()).not.toContain(key);

    await page.getByRole("button", { name: "Revoke deploy script" }).click();
    const confirm = page.getByRole("dialog", { name: "Revoke the key deploy script?" });
    await confirm.getByRole("button", { name: "Revoke" }).click();
    await confirm.waitFor({ state: "hidden" });
    await section("API keys").getByText("No API keys yet.").waitFor();
    expect((await meByKey(key)).response.status).toBe(401);
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("changes the password: a wrong current one is refused on its field, then the old one no longer signs in", async () => {
    const elsewhere = await signedInElsewhere();
    await page.goto("/settings/password");
    const current = page.getByLabel("Current password");
    await current.fill("not the password");
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("Repeat the new password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("The current password is wrong.").waitFor();
    expect(await current.getAttribute("aria-invalid")).toBe("true");
    await expect
      .poll(() => current.evaluate((element) => element === element.ownerDocument.activeElement), POLL)
      .toBe(true);

    await current.fill(password);
    await page.getByRole("button", { name: "Change password" }).click();
    await section("Password").getByRole("status").getByText("Password changed.", { exact: false }).waitFor();
    password = NEW_PASSWORD;

    // The other browser's session ended; this one's did not.
    await elsewhere.reload();
    await elsewhere.getByRole("button", { name: "Sign in" }).waitFor();
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();

    await elsewhere.getByLabel("Email").fill(ADMIN.email);
    await elsewhere.getByLabel("Password").fill(ADMIN.password);
    await elsewhere.getByRole("button", { name: "Sign in" }).click();
    await elsewhere.getByRole("alert").getByText("Wrong email or password.").waitFor();
    await signInThroughTheApp(elsewhere, { email: ADMIN.email, password: NEW_PASSWORD });
    expect(harness.problems).toEqual([]);
  }, 90_000);

  it("passes axe on every section and dialog, in light and dark, and has no horizontal scroll at 360 px", async () => {
    for (const theme of ["light", "dark"] as const) {
      await page.goto("/settings");
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      await expect.poll(() => isDark(page), POLL).toBe(theme === "dark");
      for (const name of SECTIONS) {
        await openSection(name);
        expect(await seriousViolations(page), `${theme}: ${name}`).toEqual([]);
      }
      await page.getByRole("textbox", { name: "Name" }).fill(`${theme} key`);
      await page.getByRole("button", { name: "Create key" }).click();
      const created = page.getByRole("dialog", { name: `The key ${theme} key is ready` });
      await created.waitFor();
      expect(await seriousViolations(page), `${theme}: new key`).toEqual([]);
      await created.getByRole("button", { name: "Done" }).click();
      await page.getByRole("button", { name: `Revoke ${theme} key` }).click();
      const confirm = page.getByRole("dialog", { name: `Revoke the key ${theme} key?` });
      await confirm.waitFor();
      expect(await seriousViolations(page), `${theme}: revoke`).toEqual([]);
      await confirm.getByRole("button", { name: "Cancel" }).click();
      await confirm.waitFor({ state: "hidden" });
    }

    await page.setViewportSize({ width: 360, height: 740 });
    for (const name of SECTIONS) {
      await page.goto(`/settings/${name.toLowerCase().replace(" ", "-")}`);
      await section(name).waitFor();
      const overflow = await page.locator("html").evaluate((html) => html.scrollWidth - html.clientWidth);
      expect(overflow, name).toBeLessThanOrEqual(0);
    }
    expect(harness.problems).toEqual([]);
  }, 120_000);
});

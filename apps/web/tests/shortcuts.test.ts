import { ADMIN, type TestClient } from "@hearth/server/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

/** Polls for up to 10 s: a step waits on the server and a re-render. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

/** Every shortcut of the table (src/lib/shortcuts.ts), as the help dialog must list it on Linux and on macOS. */
const SHORTCUTS: [description: string, linux: string, mac: string][] = [
  ["New chat", "Ctrl+Shift+O", "⌘+⇧+O"],
  ["Search conversations", "Ctrl+K", "⌘+K"],
  ["Show keyboard shortcuts", "Ctrl+/", "⌘+/"],
  ["Show or hide the sidebar", "Ctrl+Shift+S", "⌘+⇧+S"],
  ["Go to the message box", "Shift+Esc", "⇧+Esc"],
  ["Stop the reply", "Esc", "Esc"],
  ["Regenerate the last reply", "Alt+Shift+R", "⌥+⇧+R"],
  ["Edit the last question", "Alt+Shift+E", "⌥+⇧+E"],
  ["Copy the last reply", "Alt+Shift+C", "⌥+⇧+C"],
  ["Copy the last code block", "Ctrl+Shift+;", "⌘+⇧+;"],
  ["Previous conversation", "Alt+↑", "⌥+↑"],
  ["Next conversation", "Alt+↓", "⌥+↓"],
];

describe.runIf(canRunBrowser)("the web app in Chromium: keyboard shortcuts", () => {
  let harness: BrowserHarness;
  let page: Page;
  let api: TestClient;
  /** Oldest first: the sidebar lists them Third, Second, First. */
  const ids: Record<"First" | "Second" | "Third", string> = { First: "", Second: "", Third: "" };

  beforeAll(async () => {
    harness = await startBrowserHarness();
    page = await harness.open("/");
    page.setDefaultTimeout(10_000);
    await setUpThroughTheApp(page);
    api = harness.server.client();
    await api.logIn(ADMIN.email, ADMIN.password);
    for (const title of ["First", "Second", "Third"] as const) {
      harness.server.clock.advance(3);
      ids[title] = (await api.post<{ id: string }>("/api/conversations", { title })).body.id;
    }
    await page.reload();
    await sidebarLink("Third").waitFor();
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  const sidebarLink = (title: string) =>
    page.getByRole("navigation", { name: "Conversations" }).getByRole("link", { name: title, exact: true });
  const path = () => new URL(page.url()).pathname;
  const composer = () => page.getByRole("textbox", { name: "Message" });
  /** Presses keys with nothing focused, as when reading a conversation (not typing). */
  const pressOutsideText = async (keys: string) => {
    await page.locator("body").evaluate((body) => body.ownerDocument.activeElement?.blur());
    await page.keyboard.press(keys);
  };
  const isFocused = (locator: ReturnType<Page["getByRole"]>) =>
    locator.evaluate((element) => element === element.ownerDocument.activeElement);

  /** The help dialog's rows: what each shortcut does and its keys. */
  async function helpRows(on: Page): Promise<string[][]> {
    const dialog = on.getByRole("dialog", { name: "Keyboard shortcuts" });
    await dialog.waitFor();
    return dialog
      .getByRole("row")
      .filter({ has: on.getByRole("cell") })
      .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent ?? "")));
  }

  it("lists every shortcut with its keys and what it does in the help dialog (Ctrl+/), which passes axe light and dark", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await composer().focus();
      await page.keyboard.press("Control+Slash");
      expect(await helpRows(page)).toEqual(SHORTCUTS.map(([description, keys]) => [description, keys]));
      expect(await seriousViolations(page), colorScheme).toEqual([]);
      await page.keyboard.press("Escape");
      await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor({ state: "hidden" });
      await poll(() => isFocused(composer())).toBe(true);
    }
    await page.emulateMedia({ colorScheme: "light" });
    await page.getByRole("button", { name: "Keyboard shortcuts" }).click();
    expect(await helpRows(page)).toHaveLength(SHORTCUTS.length);
    await page.getByRole("dialog").getByRole("button", { name: "Close" }).click();
    expect(harness.problems).toEqual([]);
  });

  it("shows ⌘ on macOS, where ⌘ (not Ctrl) fires the shortcuts", async () => {
    const mac = await harness.newContext();
    await mac.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, "platform", { get: () => "MacIntel" });
    });
    const macPage = await mac.newPage();
    macPage.setDefaultTimeout(10_000);
    await macPage.goto("/");
    await macPage.getByLabel("Email").fill(ADMIN.email);
    await macPage.getByLabel("Password").fill(ADMIN.password);
    await macPage.getByRole("button", { name: "Sign in" }).click();
    await macPage.getByRole("textbox", { name: "Message" }).waitFor();
    // Keys are handled in order: once help (⌘+/) shows, search would show too had Ctrl+K opened it.
    await macPage.keyboard.press("Control+KeyK");
    await macPage.keyboard.press("Meta+Slash");
    expect(await helpRows(macPage)).toEqual(SHORTCUTS.map(([description, , keys]) => [description, keys]));
    expect(await macPage.getByRole("dialog", { name: "Search conversations" }).count()).toBe(0);
    await macPage.keyboard.press("Escape");
    await macPage.keyboard.press("Meta+KeyK");
    await macPage.getByRole("dialog", { name: "Search conversations" }).waitFor();
    await mac.close();
  });

  it("opens search with Ctrl+K and starts a new chat with Ctrl+Shift+O, even while typing in the composer", async () => {
    await sidebarLink("Second").click();
    await page.waitForURL(`**/c/${ids.Second}`);
    await composer().fill("a draft");
    await composer().press("Control+KeyK");
    const search = page.getByRole("dialog", { name: "Search conversations" });
    await search.waitFor();
    await page.keyboard.press("Escape");
    await search.waitFor({ state: "hidden" });
    await poll(() => isFocused(composer())).toBe(true);
    await composer().press("Control+Shift+KeyO");
    await poll(path).toBe("/");
    expect(harness.problems).toEqual([]);
  });

  it("hides and shows the sidebar with Ctrl+Shift+S", async () => {
    const sidebar = page.getByRole("complementary", { name: "Conversations" });
    await sidebar.waitFor();
    await page.keyboard.press("Control+Shift+KeyS");
    await sidebar.waitFor({ state: "detached" });
    expect(await page.getByRole("button", { name: "Toggle sidebar" }).getAttribute("aria-expanded")).toBe("false");
    await composer().press("Control+Shift+KeyS");
    await sidebar.waitFor();
  });

  it("moves to the next and previous conversation with Alt+↓ and Alt+↑, in the sidebar's order", async () => {
    await page.goto("/");
    await sidebarLink("Third").waitFor();
    await pressOutsideText("Alt+ArrowDown");
    await poll(path).toBe(`/c/${ids.Third}`);
    await pressOutsideText("Alt+ArrowDown");
    await poll(path).toBe(`/c/${ids.Second}`);
    await pressOutsideText("Alt+ArrowDown");
    await poll(path).toBe(`/c/${ids.First}`);
    await pressOutsideText("Alt+ArrowDown");
    await pressOutsideText("Alt+ArrowUp");
    await poll(path).toBe(`/c/${ids.Second}`);
    await poll(() => sidebarLink("Second").getAttribute("aria-current")).toBe("page");
    await pressOutsideText("Alt+ArrowUp");
    await pressOutsideText("Alt+ArrowUp");
    await poll(path).toBe("/");
  });

  it("does not move between conversations while typing in the composer or the filter", async () => {
    await sidebarLink("Second").click();
    await page.waitForURL(`**/c/${ids.Second}`);
    await composer().fill("first line");
    await composer().press("Alt+ArrowDown");
    await composer().press("Alt+ArrowUp");
    const filter = page.getByRole("searchbox", { name: "Filter conversations" });
    await filter.press("Alt+ArrowDown");
    // A shortcut that fires navigates at once; the next one pressed outside a text field shows it would have.
    expect(path()).toBe(`/c/${ids.Second}`);
    await pressOutsideText("Alt+ArrowDown");
    await poll(path).toBe(`/c/${ids.First}`);
    expect(harness.problems).toEqual([]);
  });
});

import { ADMIN, type TestClient } from "@hearth/server/testing";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

interface Conversation {
  id: string;
  title: string;
  pinnedAt: string | null;
}

/** Polls for up to 10 s: a step waits on the server and a re-render, never on wording or timing of its own. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

describe.runIf(canRunBrowser)("the web app in Chromium: the sidebar of conversations", () => {
  let harness: BrowserHarness;
  let page: Page;
  let api: TestClient;
  /** Topic 00 (oldest) … Topic 59 (newest), then a few with wildcards in their titles. */
  let topics: Conversation[];

  beforeAll(async () => {
    harness = await startBrowserHarness();
    page = await harness.open("/");
    // A step that fails names itself, well within the test's own time.
    page.setDefaultTimeout(10_000);
    await setUpThroughTheApp(page);
    api = harness.server.client();
    await api.logIn(ADMIN.email, ADMIN.password);
    topics = await seed(Array.from({ length: 60 }, (_, index) => `Topic ${String(index).padStart(2, "0")}`));
    await seed(["100% done", "snake_case notes"]);
    await page.reload();
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  /** Creates conversations through the API, each a few seconds newer than the last (within the per-minute limit). */
  async function seed(titles: string[]): Promise<Conversation[]> {
    const created: Conversation[] = [];
    for (const title of titles) {
      harness.server.clock.advance(3);
      const response = await api.post<Conversation>("/api/conversations", { title });
      expect(response.status, response.text).toBe(201);
      created.push(response.body);
    }
    return created;
  }

  const nav = () => page.getByRole("navigation", { name: "Conversations" });
  const links = () => nav().getByRole("link");
  const link = (title: string) => nav().getByRole("link", { name: title, exact: true });
  const row = (title: string): Locator =>
    nav()
      .getByRole("listitem")
      .filter({ has: page.getByRole("link", { name: title, exact: true }) });
  const openActions = async (title: string) => {
    await row(title).getByRole("button", { name: "Conversation actions" }).click();
    await page.getByRole("menu").waitFor();
  };
  const filter = () => page.getByRole("searchbox", { name: "Filter conversations" });
  const headings = () => nav().getByRole("heading").allTextContents();
  const stored = async (id: string) => (await api.get<Conversation>(`/api/conversations/${id}`)).body;

  it("shows the first page, newest first, and loads the next as the end of the list scrolls into view", async () => {
    await poll(() => links().count()).toBe(50);
    expect(await links().first().textContent()).toBe("snake_case notes");
    await nav().evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await poll(() => links().count()).toBe(62);
    expect(await links().last().textContent()).toBe("Topic 00");
    expect(await headings()).toEqual(["Today"]);
    expect(harness.problems).toEqual([]);
  });

  it("filters by title on the server, with % and _ taken as themselves", async () => {
    await filter().fill("topic 1");
    await poll(() => links().allTextContents()).toEqual(
      Array.from({ length: 10 }, (_, index) => `Topic 1${9 - index}`),
    );
    await filter().fill("%");
    await poll(() => links().allTextContents()).toEqual(["100% done"]);
    await filter().fill("_");
    await poll(() => links().allTextContents()).toEqual(["snake_case notes"]);
    await filter().fill("no such title");
    await nav().getByText("No conversation titles contain “no such title”.").waitFor();
    expect(await links().count()).toBe(0);
    await filter().fill("");
    await poll(() => links().count()).toBeGreaterThanOrEqual(50);
  });

  it("renames inline: Enter saves, Escape cancels, and focus returns to the conversation", async () => {
    await openActions("Topic 59");
    await page.getByRole("menuitem", { name: "Rename" }).click();
    const title = nav().getByRole("textbox", { name: "Title" });
    await poll(() => title.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await title.fill("Renamed topic");
    await title.press("Enter");
    await link("Renamed topic").waitFor();
    await poll(() => link("Renamed topic").evaluate((element) => element === element.ownerDocument.activeElement)).toBe(
      true,
    );
    expect((await stored(topics[59]?.id ?? "")).title).toBe("Renamed topic");

    await openActions("Renamed topic");
    await page.getByRole("menuitem", { name: "Rename" }).click();
    await title.fill("Not kept");
    await title.press("Escape");
    await link("Renamed topic").waitFor();
    expect(await title.count()).toBe(0);
    expect((await stored(topics[59]?.id ?? "")).title).toBe("Renamed topic");
    expect(harness.problems).toEqual([]);
  });

  it("pins a conversation into a Pinned group at the top, and unpins it back into its place", async () => {
    await openActions("Topic 30");
    await page.getByRole("menuitem", { name: "Pin" }).click();
    await poll(() => links().first().textContent()).toBe("Topic 30");
    expect(await headings()).toEqual(["Pinned", "Today"]);
    expect((await stored(topics[30]?.id ?? "")).pinnedAt).not.toBeNull();

    await openActions("Topic 30");
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole("menuitem", { name: "Unpin" }).click();
    await poll(async () => {
      const titles = await links().allTextContents();
      return titles[titles.indexOf("Topic 30") - 1];
    }).toBe("Topic 31");
    expect(await headings()).toEqual(["Today"]);
    expect((await stored(topics[30]?.id ?? "")).pinnedAt).toBeNull();
  });

  it("deletes the open conversation with an undo in a polite live region, and undo brings it back", async () => {
    const conversation = topics[58] as Conversation;
    await link("Topic 58").click();
    await page.waitForURL(`**/c/${conversation.id}`);
    await poll(() => link("Topic 58").getAttribute("aria-current")).toBe("page");

    await openActions("Topic 58");
    await page.getByRole("menuitem", { name: "Delete" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    const toast = page.getByRole("status").filter({ hasText: "Conversation deleted" });
    await toast.waitFor();
    expect(await toast.getAttribute("aria-live")).toBe("polite");
    expect(await link("Topic 58").count()).toBe(0);
    expect((await api.get(`/api/conversations/${conversation.id}`)).status).toBe(404);
    const undo = toast.getByRole("button", { name: "Undo" });
    await poll(() => undo.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    await undo.click();
    await page.waitForURL(`**/c/${conversation.id}`);
    await link("Topic 58").waitFor();
    expect((await api.get(`/api/conversations/${conversation.id}`)).status).toBe(200);
    expect(await toast.count()).toBe(0);
    expect(harness.problems).toEqual([]);
  });

  it("deletes a conversation that is not open without leaving the one that is", async () => {
    const openId = topics[58]?.id ?? "";
    await openActions("Topic 57");
    await page.getByRole("menuitem", { name: "Delete" }).click();
    await page.getByRole("status").filter({ hasText: "Conversation deleted" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/c/${openId}`);
    await page.getByRole("button", { name: "Dismiss" }).click();
    await poll(() => page.getByText("Conversation deleted").count()).toBe(0);
    expect(await link("Topic 57").count()).toBe(0);
    expect((await api.get(`/api/conversations/${topics[57]?.id}`)).status).toBe(404);
  });

  it("groups conversations by day with headings in the browser's language", async () => {
    const ago = async (conversation: Conversation | undefined, interval: string) =>
      harness.server.db.query(`UPDATE conversations SET updated_at = now() - $2::interval WHERE id = $1`, [
        conversation?.id,
        interval,
      ]);
    await ago(topics[3], "1 day");
    await ago(topics[2], "3 days");
    await ago(topics[1], "40 days");
    await ago(topics[0], "400 days");
    await page.reload();
    await nav().evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await poll(() => headings()).toEqual(["Today", "Yesterday", "Previous 7 days", "Older"]);
    expect(await links().last().textContent()).toBe("Topic 00");

    const german = await harness.newContext({ locale: "de-DE" });
    const gePage = await german.newPage();
    await gePage.goto("/");
    await gePage.getByLabel("E-Mail").fill(ADMIN.email);
    await gePage.getByLabel("Passwort").fill(ADMIN.password);
    await gePage.getByRole("button", { name: "Anmelden" }).click();
    const germanNav = gePage.getByRole("navigation", { name: "Unterhaltungen" });
    await germanNav.getByRole("heading").first().waitFor();
    await germanNav.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await poll(() => germanNav.getByRole("heading").allTextContents()).toEqual([
      "Heute",
      "Gestern",
      "Letzte 7 Tage",
      "Älter",
    ]);
    await german.close();
  });

  it("opens a conversation by title from the Ctrl+K search: arrows move, Enter opens, focus is held", async () => {
    await page.goto("/");
    const composer = page.getByRole("textbox", { name: "Message" });
    await composer.focus();
    await page.keyboard.press("Control+KeyK");
    const dialog = page.getByRole("dialog", { name: "Search conversations" });
    await dialog.waitFor();
    const search = dialog.getByRole("searchbox", { name: "Search titles and messages" });
    await poll(() => search.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await search.fill("topic 4");
    const results = dialog.getByRole("listbox");
    const options = results.getByRole("option");
    // The first five titles that match, above the messages (these conversations have none).
    await poll(() => options.allTextContents()).toEqual(Array.from({ length: 5 }, (_, index) => `Topic 4${9 - index}`));
    expect(await options.first().getAttribute("aria-selected")).toBe("true");
    await search.press("ArrowDown");
    await search.press("ArrowDown");
    await poll(() => results.getByRole("option", { selected: true }).textContent()).toBe("Topic 47");
    await search.press("ArrowUp");
    await poll(() => results.getByRole("option", { selected: true }).textContent()).toBe("Topic 48");
    expect(await search.getAttribute("aria-activedescendant")).toBe(
      await results.getByRole("option", { selected: true }).getAttribute("id"),
    );
    for (let index = 0; index < 4; index++) await page.keyboard.press("Tab");
    expect(await dialog.evaluate((element) => element.contains(element.ownerDocument.activeElement))).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);

    await search.focus();
    await search.press("Enter");
    await page.waitForURL(`**/c/${topics[48]?.id}`);
    await dialog.waitFor({ state: "hidden" });

    await page.keyboard.press("Control+KeyK");
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(harness.problems).toEqual([]);
  });

  it("passes axe with the actions menu, the rename field, the search and the undo toast open, in light and dark", async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await page.goto("/");
      await poll(() => page.locator("html").evaluate((html) => html.classList.contains("dark"))).toBe(
        colorScheme === "dark",
      );
      await link("Topic 56").waitFor();
      expect(await seriousViolations(page), `${colorScheme}: sidebar`).toEqual([]);
      await openActions("Topic 56");
      expect(await seriousViolations(page), `${colorScheme}: menu`).toEqual([]);
      await page.getByRole("menuitem", { name: "Rename" }).click();
      await nav().getByRole("textbox", { name: "Title" }).waitFor();
      expect(await seriousViolations(page), `${colorScheme}: rename`).toEqual([]);
      await page.keyboard.press("Escape");
      await page.getByRole("button", { name: "Search conversations" }).click();
      await page
        .getByRole("dialog", { name: "Search conversations" })
        .getByRole("listbox")
        .getByRole("option")
        .first()
        .waitFor();
      expect(await seriousViolations(page), `${colorScheme}: search`).toEqual([]);
      await page.keyboard.press("Escape");
      await openActions("Topic 56");
      await page.getByRole("menuitem", { name: "Delete" }).click();
      const undo = page.getByRole("button", { name: "Undo" });
      await undo.waitFor();
      expect(await seriousViolations(page), `${colorScheme}: toast`).toEqual([]);
      await undo.click();
      await link("Topic 56").waitFor();
    }
    await page.emulateMedia({ colorScheme: "light" });
    expect(harness.problems).toEqual([]);
  });

  it("on a phone, closes the drawer when a conversation opens, with row actions large enough to touch", async () => {
    const phone = await (await harness.newContext(PHONE)).newPage();
    await phone.goto("/");
    await phone.getByLabel("Email").fill(ADMIN.email);
    await phone.getByLabel("Password").fill(ADMIN.password);
    await phone.getByRole("button", { name: "Sign in" }).click();
    await phone.getByRole("button", { name: "Open sidebar" }).click();
    const drawer = phone.getByRole("dialog", { name: "Conversations" });
    const topic = drawer
      .getByRole("listitem")
      .filter({ has: phone.getByRole("link", { name: "Topic 55", exact: true }) });
    const actions = topic.getByRole("button", { name: "Conversation actions" });
    const box = await actions.boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(44);
    expect(box?.height).toBeGreaterThanOrEqual(44);
    await actions.tap();
    for (const item of await phone.getByRole("menuitem").all()) {
      expect((await item.boundingBox())?.height).toBeGreaterThanOrEqual(44);
    }
    await phone.getByRole("menuitem", { name: "Rename" }).tap();
    const title = drawer.getByRole("textbox", { name: "Title" });
    await title.fill("Topic 55 on the go");
    await title.press("Escape");
    await drawer.getByRole("link", { name: "Topic 55", exact: true }).waitFor();
    expect(await drawer.isVisible()).toBe(true);

    await drawer.getByRole("link", { name: "Topic 55", exact: true }).tap();
    await phone.waitForURL(`**/c/${topics[55]?.id}`);
    await drawer.waitFor({ state: "hidden" });
    expect(harness.problems).toEqual([]);
  });
});

import {
  ADMIN,
  createConversation,
  type Exchange,
  sendMessage,
  settledReply,
  type TestClient,
} from "@hearth/server/testing";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

/** Polls wait as long as locators do: a loaded machine answers slowly. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });

/** Whether the element is within the window, top to bottom. */
const isInView = (locator: Locator) =>
  locator.evaluate((element) => {
    const box = element.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= (element.ownerDocument.defaultView?.innerHeight ?? 0);
  });

describe.runIf(canRunBrowser)("the web app in Chromium: searching messages with Ctrl+K", () => {
  let harness: BrowserHarness;
  let page: Page;
  let api: TestClient;
  let balcony: string;
  /** The question the search finds: on a branch an edit left, far above the end of the conversation. */
  let quinces: string;

  /** Sends a message through the API and waits for its reply. */
  const say = async (conversationId: string, content: string): Promise<Exchange> => {
    harness.server.clock.advance(10); // past the per-minute message limit
    const exchange = await sendMessage(api, conversationId, content);
    await settledReply(api, conversationId, exchange.assistantMessage.id);
    return exchange;
  };

  beforeAll(async () => {
    harness = await startBrowserHarness({ maxReplyTokens: 4, searchIndexCheckMs: 50 });
    page = await harness.open("/");
    page.setDefaultTimeout(15_000);
    await setUpThroughTheApp(page);
    api = harness.server.client();
    await api.logIn(ADMIN.email, ADMIN.password);

    balcony = await createConversation(api, { title: "Balcony garden" });
    await say(balcony, "Which herbs survive a windy balcony?");
    quinces = (await say(balcony, "Would quinces grow in a pot there?")).userMessage.id;
    // Enough below it that the conversation opens with it out of view.
    for (let note = 1; note <= 6; note++) {
      await say(balcony, `Note ${note}: ${"Water the pots in the morning, not at noon. ".repeat(12)}`);
    }
    // An edit of the question makes a new branch, the active one: the question about quinces is left off it.
    const edited = await api.patch<Exchange>(`/api/messages/${quinces}`, {
      content: "Would figs grow in a pot there?",
    });
    expect(edited.status, edited.text).toBe(202);
    await settledReply(api, balcony, edited.body.assistantMessage.id);

    const kitchen = await createConversation(api, { title: "Kitchen" });
    await say(kitchen, 'Quince jelly: how much sugar? <img src=x onerror="document.title=1"> <b>bold?</b>');
    // The server's sweep indexes finished messages within moments (expect.poll cannot run in a hook).
    await vi.waitFor(
      async () => {
        const { body } = await api.get<{ indexing: { messagesToIndex: number } }>("/api/search?q=quince&mode=keyword");
        expect(body.indexing.messagesToIndex).toBe(0);
      },
      { timeout: 30_000, interval: 50 },
    );
  }, 180_000);
  afterAll(async () => {
    await harness?.close();
  });

  const dialog = () => page.getByRole("dialog", { name: "Search conversations" });
  const searchbox = () => dialog().getByRole("searchbox", { name: "Search titles and messages" });
  const selected = () => dialog().getByRole("listbox").getByRole("option", { selected: true });

  it("shows the messages that match as they are typed, with what matched marked and nothing parsed as markup", async () => {
    await page.getByRole("textbox", { name: "Message" }).focus();
    await page.keyboard.press("Control+KeyK");
    await searchbox().waitFor();
    await poll(() => searchbox().evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await searchbox().pressSequentially("quince");
    const messages = dialog().getByRole("group", { name: "Messages" });
    await poll(() => messages.getByRole("option").count()).toBe(2);
    // No title holds the word: only messages are found.
    expect(await dialog().getByRole("group", { name: "Conversations" }).count()).toBe(0);
    const options = await messages.getByRole("option").allTextContents();
    expect(options).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Balcony garden\s*You · .*\d.*quinces grow in a pot there/),
        expect.stringMatching(/^Kitchen\s*You · .*Quince jelly/),
      ]),
    );
    expect((await dialog().locator("mark").allTextContents()).map((text) => text.toLowerCase()).sort()).toEqual([
      "quince",
      "quinces",
    ]);
    // The snippet is text: the markup in the message is shown, never made into elements.
    expect(await dialog().locator("img, b").count()).toBe(0);
    expect(await page.title()).not.toBe("1");
    // No embedding model on the test server: a hybrid search says it matched by words alone.
    await dialog().getByText("Matched by words only: search by meaning is not available.").waitFor();

    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await poll(() => page.locator("html").evaluate((html) => html.classList.contains("dark"))).toBe(
        colorScheme === "dark",
      );
      expect(await seriousViolations(page), colorScheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: "light" });
    expect(harness.problems).toEqual([]);
  });

  it("shows the server's reason when search by meaning is not available", async () => {
    const mode = dialog().getByRole("combobox", { name: "Match messages by" });
    await mode.selectOption("semantic");
    await poll(() => dialog().getByRole("alert").textContent()).toMatch(/needs an embedding model/);
    await mode.selectOption("hybrid");
    await dialog().getByRole("alert").waitFor({ state: "detached" });
    await poll(() => dialog().getByRole("group", { name: "Messages" }).getByRole("option").count()).toBe(2);
  });

  it("opens a message with Enter in its conversation, switched to its branch, scrolled to and marked", async () => {
    await searchbox().focus();
    for (let tries = 0; !/^Balcony garden/.test((await selected().textContent()) ?? ""); tries++) {
      expect(tries).toBeLessThan(3);
      await searchbox().press("ArrowDown");
    }
    await searchbox().press("Enter");
    // Once the message is shown, the address names the conversation alone again.
    await page.waitForURL(`**/c/${balcony}`);
    await dialog().waitFor({ state: "hidden" });

    const question = page.locator(`[data-message-id="${quinces}"]`);
    await question.waitFor();
    await poll(() => isInView(question)).toBe(true);
    expect(await page.locator("[data-revealed]").locator(`[data-message-id="${quinces}"]`).count()).toBe(1);
    // The branch through the question is shown (the first of its two versions), not the edit's.
    expect(await question.getByText("Version 1 of 2").count()).toBe(1);
    expect(await page.getByText("Would figs grow in a pot there?").count()).toBe(0);
    const path = await api.get<{ data: { id: string }[] }>(`/api/conversations/${balcony}/messages`);
    expect(path.body.data.map((message) => message.id)).toContain(quinces);
    expect(harness.problems).toEqual([]);
  });

  it("opens the same message again after scrolling away, and Escape closes the search", async () => {
    const list = page.getByRole("region", { name: "Messages" });
    await list.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    const question = page.locator(`[data-message-id="${quinces}"]`);
    await poll(() => question.count()).toBe(0);
    await page.keyboard.press("Control+KeyK");
    await searchbox().fill("quinces pot");
    await poll(() => selected().textContent()).toMatch(/^Balcony garden/);
    await searchbox().press("Enter");
    await page.waitForURL(`**/c/${balcony}`);
    await poll(() => isInView(question)).toBe(true);

    await page.keyboard.press("Control+KeyK");
    await searchbox().waitFor();
    await page.keyboard.press("Escape");
    await dialog().waitFor({ state: "hidden" });
    expect(harness.problems).toEqual([]);
  });
});

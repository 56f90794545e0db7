import { readFile } from "node:fs/promises";
import {
  ADMIN,
  createConversation,
  type Exchange,
  sendMessage,
  settledReply,
  type TestClient,
} from "@hearth/server/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

/** Polls wait as long as locators do: a loaded machine answers slowly. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });

const QUESTION = "What name did I give my sourdough starter?";

/**
 * Issue 14 §3, memory in the web app: the memory page (on and off, add, edit, delete, proposals,
 * export, delete all), what a reply read from memory under it, a remember call as a note, and a
 * temporary chat, on the real server whose replies read memory (a 4,096-token context, so that the
 * memories and recalled passages fit the prompt).
 */
describe.runIf(canRunBrowser)("the web app in Chromium: memory", () => {
  let harness: BrowserHarness;
  let page: Page;
  let api: TestClient;
  let userId: string;

  /** Sends a message through the API and waits for its reply. */
  const say = async (conversationId: string, content: string): Promise<Exchange> => {
    harness.server.clock.advance(10); // past the per-minute message limit
    const exchange = await sendMessage(api, conversationId, content);
    await settledReply(api, conversationId, exchange.assistantMessage.id);
    return exchange;
  };
  /** Sends a message from the open chat's composer and waits for the conversation's last reply to end. */
  const ask = async (content: string) => {
    harness.server.clock.advance(10);
    const composer = page.getByRole("textbox", { name: "Message" });
    await composer.fill(content);
    await composer.press("Enter");
    await page.waitForURL(/\/c\/[0-9a-f-]{36}$/);
    await page.locator('[data-role="user"]', { hasText: content }).waitFor();
    const reply = page.locator('[data-role="assistant"]').last();
    await poll(() => reply.getAttribute("data-status")).toBe("done");
    return reply;
  };
  /** No serious axe violation on the page as it stands, light and dark. */
  const expectAccessibleInBothThemes = async () => {
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      await poll(() => page.locator("html").evaluate((html) => html.classList.contains("dark"))).toBe(
        colorScheme === "dark",
      );
      expect(await seriousViolations(page), colorScheme).toEqual([]);
    }
    await page.emulateMedia({ colorScheme: "light" });
  };
  const openMemoryPage = async () => {
    await page.getByRole("link", { name: "Memory", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Memory" }).waitFor();
  };
  const saved = () => page.getByRole("list", { name: "Saved memories" }).getByRole("listitem");
  const settings = async () =>
    (await api.get<{ enabled: boolean; autoSave: boolean; saved: number; proposed: number }>("/api/memory/settings"))
      .body;

  beforeAll(async () => {
    harness = await startBrowserHarness({ maxReplyTokens: 4, searchIndexCheckMs: 50, contextSize: 4096 });
    page = await harness.open("/");
    page.setDefaultTimeout(15_000);
    await setUpThroughTheApp(page);
    api = harness.server.client();
    await api.logIn(ADMIN.email, ADMIN.password);
    const { rows } = await harness.server.db.query<{ id: string }>("SELECT id FROM users WHERE email = $1", [
      ADMIN.email,
    ]);
    userId = rows[0]?.id ?? "";
  }, 180_000);
  afterAll(async () => {
    await harness?.close();
  });

  it("turns memory on and adds, edits and deletes memories, saying what memory does, in both themes", async () => {
    await openMemoryPage();
    await page.getByText("Temporary chats are left out", { exact: false }).waitFor();
    await page.getByText("No memories yet.").waitFor();
    await page.getByText("No proposals waiting.").waitFor();
    await expectAccessibleInBothThemes();

    const memory = page.getByRole("switch", { name: "Memory", exact: true });
    expect(await memory.isChecked()).toBe(false);
    await memory.click();
    await poll(() => memory.isChecked()).toBe(true);
    expect((await settings()).enabled).toBe(true);
    const autoSave = page.getByRole("switch", { name: "Save what the model proposes automatically" });
    await autoSave.click();
    await poll(async () => (await settings()).autoSave).toBe(false);
    expect(await page.getByRole("switch", { name: "Recall from past conversations" }).isChecked()).toBe(true);

    const field = page.getByRole("textbox", { name: "Add a memory" });
    for (const content of ["Has a cat named Miso.", 'Likes <b>bold</b> <img src=x onerror="document.title=1"> tea.']) {
      harness.server.clock.advance(1); // newest first: the server's clock stands still otherwise
      await field.fill(content);
      await field.press("Enter");
      await poll(() => field.inputValue()).toBe("");
    }
    await poll(() => saved().allTextContents()).toEqual([
      'Likes <b>bold</b> <img src=x onerror="document.title=1"> tea.',
      "Has a cat named Miso.",
    ]);
    // The person's text is shown as text.
    expect(await page.locator("main b, main img").count()).toBe(0);

    await page.getByRole("button", { name: "Edit “Has a cat named Miso.”" }).click();
    const editing = page.getByRole("textbox", { name: "Edit memory" });
    await poll(() => editing.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true);
    await editing.fill("Has a dog.");
    await editing.press("Escape");
    await poll(() => saved().last().textContent()).toBe("Has a cat named Miso.");
    await page.getByRole("button", { name: "Edit “Has a cat named Miso.”" }).click();
    await editing.fill("Has two cats.");
    await editing.press("Enter");
    await poll(() => saved().last().textContent()).toBe("Has two cats.");

    // Deleted behind the page's back: the server's problem is shown where it was asked.
    const { body: list } = await api.get<{ data: { id: string; content: string }[] }>("/api/memories");
    const cats = list.data.find((each) => each.content === "Has two cats.");
    expect((await api.delete(`/api/memories/${cats?.id}`)).status).toBe(204);
    await page.getByRole("button", { name: "Delete “Has two cats.”" }).click();
    await saved()
      .last()
      .getByRole("alert")
      .getByText(/You have no memory with the id/)
      .waitFor();
    await page.reload();
    await poll(() => saved().allTextContents()).toEqual([
      'Likes <b>bold</b> <img src=x onerror="document.title=1"> tea.',
    ]);
    await page
      .getByRole("button", { name: 'Delete “Likes <b>bold</b> <img src=x onerror="document.title=1"> tea.”' })
      .click();
    await page.getByText("No memories yet.").waitFor();
    expect(await page.title()).not.toBe("1");
    expect(harness.problems).toEqual([]);
  });

  it("saves one proposal of the model and dismisses another", async () => {
    for (const content of ["Grows tomatoes on the balcony.", "Is learning Portuguese."]) {
      await harness.server.db.query(
        `INSERT INTO memories (user_id, content, status, source, created_at, updated_at)
         VALUES ($1, $2, 'proposed', 'model', now(), now())`,
        [userId, content],
      );
    }
    await page.reload();
    const proposals = page.getByRole("list", { name: "Proposed by the model" }).getByRole("listitem");
    await poll(() => proposals.count()).toBe(2);
    await page.getByRole("button", { name: "Save “Grows tomatoes on the balcony.”" }).click();
    await poll(() => saved().allTextContents()).toEqual(["Grows tomatoes on the balcony."]);
    await page.getByRole("button", { name: "Dismiss “Is learning Portuguese.”" }).click();
    await page.getByText("No proposals waiting.").waitFor();
    expect(await settings()).toMatchObject({ saved: 1, proposed: 0 });
    expect(harness.problems).toEqual([]);
  });

  it("exports the memories as a JSON file, and deletes them all only once confirmed", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("hearth-memory.json");
    const exported = JSON.parse(await readFile(await download.path(), "utf8"));
    expect(exported.settings).toMatchObject({ enabled: true, autoSave: false, saved: 1 });
    expect(exported.memories.map((memory: { content: string }) => memory.content)).toEqual([
      "Grows tomatoes on the balcony.",
    ]);

    const dialog = page.getByRole("dialog", { name: "Delete all memories?" });
    await page.getByRole("button", { name: "Delete all memories" }).click();
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await saved().count()).toBe(1);
    await page.getByRole("button", { name: "Delete all memories" }).click();
    await dialog.getByRole("button", { name: "Delete all" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByText("1 memory deleted.").waitFor();
    await page.getByText("No memories yet.").waitFor();
    expect((await settings()).saved).toBe(0);
    expect(harness.problems).toEqual([]);
  });

  it("shows under a reply the memory and the passage of another conversation it read, each linking to it", async () => {
    const metric = await api.post<{ id: string }>("/api/memories", { content: "Prefers <i>metric</i> units." });
    expect(metric.status).toBe(201);
    const bread = await createConversation(api, { title: "Bread <b>notes</b>" });
    const told = await say(bread, "My sourdough starter is named Clint and lives in the fridge.");
    // The server's sweep indexes finished messages within moments: recall finds them once it has.
    await vi.waitFor(
      async () => {
        const { body } = await api.get<{ indexing: { messagesToIndex: number } }>("/api/search?q=x&mode=keyword");
        expect(body.indexing.messagesToIndex).toBe(0);
      },
      { timeout: 30_000, interval: 50 },
    );

    await page.getByRole("button", { name: "New chat" }).first().click();
    const reply = await ask(QUESTION);
    const asking = new URL(page.url()).pathname;
    // It came with the reply's message.done: the page was following the reply as it was written.
    const used = reply.getByText(/^Used:/);
    expect(await used.textContent()).toBe("Used: 1 memory and 1 past message");
    await used.click();
    const items = reply.getByRole("list", { name: "What this reply read from memory" });
    const memoryLink = items.getByRole("link", { name: "Prefers <i>metric</i> units." });
    expect(await memoryLink.getAttribute("href")).toBe(`/memory#memory-${metric.body.id}`);
    const passage = items.getByRole("link", { name: "Bread <b>notes</b>" });
    expect(await passage.getAttribute("href")).toBe(`/c/${bread}?message=${told.userMessage.id}`);
    expect(await items.textContent()).toContain("Clint");
    expect(await items.locator("b, i").count()).toBe(0);
    await expectAccessibleInBothThemes();

    // Loaded with the conversation, too; a conversation that is not temporary has no badge.
    await page.reload();
    const reloaded = page.locator('[data-role="assistant"]').last();
    await reloaded.getByText("Used: 1 memory and 1 past message").click();
    expect(await page.getByText("Temporary: not remembered").count()).toBe(0);
    await reloaded.getByRole("link", { name: "Bread <b>notes</b>" }).click();
    await page.waitForURL(`**/c/${bread}`);
    await poll(() => page.locator(`[data-revealed] [data-message-id="${told.userMessage.id}"]`).count()).toBe(1);

    await page.goto(asking);
    const again = page.locator('[data-role="assistant"]').last();
    await again.getByText("Used: 1 memory and 1 past message").click();
    await again.getByRole("link", { name: "Prefers <i>metric</i> units." }).click();
    await page.getByRole("heading", { level: 1, name: "Memory" }).waitFor();
    await poll(() => saved().allTextContents()).toEqual(["Prefers <i>metric</i> units."]);
    expect(harness.problems).toEqual([]);
  });

  it("shows a reply's remember calls as notes of what was saved and what was proposed", async () => {
    const conversation = await createConversation(api, { title: "Remembering" });
    const { assistantMessage } = await say(conversation, "I moved to Lisbon.");
    const call = (id: string, fact: string, status: string) => [
      { type: "tool-call", offset: 0, toolCallId: id, toolName: "remember", input: JSON.stringify({ fact }) },
      {
        type: "tool-result",
        offset: 0,
        toolCallId: id,
        toolName: "remember",
        output: JSON.stringify({ status }),
        isError: false,
      },
    ];
    await harness.server.db.query("UPDATE messages SET parts = $2::jsonb WHERE id = $1", [
      assistantMessage.id,
      JSON.stringify([
        ...call("call-1", "Lives in Lisbon.", "saved"),
        ...call("call-2", "Likes <b>trams</b>.", "proposed to the user, who decides whether to save it"),
      ]),
    ]);
    await page.goto(`/c/${conversation}`);
    const reply = page.locator(`[data-message-id="${assistantMessage.id}"]`);
    await reply.getByText("Saved to memory: Lives in Lisbon.").waitFor();
    await reply.getByText("Proposed for memory: Likes <b>trams</b>.").waitFor();
    expect(await reply.locator("b").count()).toBe(0);
    // Not the generic tool call.
    expect(await reply.locator("details", { hasText: "Tool: remember" }).count()).toBe(0);
    expect(await reply.getByRole("link", { name: "Manage memory" }).getAttribute("href")).toBe("/memory");
    await reply.getByRole("link", { name: "Save or dismiss" }).click();
    await page.getByRole("heading", { level: 1, name: "Memory" }).waitFor();
    expect(harness.problems).toEqual([]);
  });

  it("starts a temporary chat, which says it is not remembered and whose reply reads nothing from memory", async () => {
    await page.getByRole("button", { name: "New chat" }).first().click();
    const toggle = page.getByRole("button", { name: "Temporary chat" });
    await toggle.click();
    expect(await toggle.getAttribute("aria-pressed")).toBe("true");
    const reply = await ask(QUESTION);
    await page.getByText("Temporary: not remembered").waitFor();
    const id = new URL(page.url()).pathname.split("/").at(-1);
    const { body } = await api.get<{ temporary: boolean }>(`/api/conversations/${id}`);
    expect(body.temporary).toBe(true);
    expect(await reply.getByText(/^Used:/).count()).toBe(0);
    const { body: path } = await api.get<{ data: { memoryUsed: unknown }[] }>(`/api/conversations/${id}/messages`);
    expect(path.data.at(-1)?.memoryUsed).toBeNull();
    await expectAccessibleInBothThemes();

    // The toggle stays on for the next new chat until it is turned off.
    await page.getByRole("button", { name: "New chat" }).first().click();
    expect(await toggle.getAttribute("aria-pressed")).toBe("true");
    await toggle.click();
    expect(await toggle.getAttribute("aria-pressed")).toBe("false");
    expect(harness.problems).toEqual([]);
  });
});

import { signedInAdmin, type TestClient } from "@hearth/server/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserHarness, canRunBrowser, signInThroughTheApp, startBrowserHarness } from "./browser.ts";

const LENGTH = 10_000;

/** Rows the list may hold at once, whatever the conversation's length (a screen of messages and a margin). */
const MOUNTED_AT_MOST = 60;
/**
 * The list's height, in rows of at least 40 px, stays that of the pages the app holds at once
 * (features/chat/conversation-data.ts: MAX_PAGES of 100), not of the whole conversation.
 */
const HELD_AT_MOST_PX = 4 * 100 * 300;

describe.runIf(canRunBrowser)("the web app in Chromium: a 10,000-message conversation", () => {
  let harness: BrowserHarness;
  let ada: TestClient;
  let page: Page;
  let conversationId: string;
  beforeAll(async () => {
    harness = await startBrowserHarness();
    ada = await signedInAdmin(harness.server);
    conversationId = (await ada.post<{ id: string }>("/api/conversations", { title: "Long" })).body.id;
    await seed(harness, conversationId);
    page = await (await harness.newContext()).newPage();
    await page.goto("/");
    await signInThroughTheApp(page);
  });
  afterAll(async () => {
    await harness?.close();
  });

  const list = () => page.getByRole("region", { name: "Messages" });
  const message = (n: number) =>
    page.locator("[data-message-id]", { hasText: new RegExp(`^(You|Assistant)Message ${n}(?!\\d)`) });
  const mounted = () => page.locator("[data-message-id]").count();
  const scrollTop = () => list().evaluate((element) => element.scrollTop);
  const scrollHeight = () => list().evaluate((element) => element.scrollHeight);

  it("opens at its last message with only the rows in view mounted", async () => {
    await page.goto(`/c/${conversationId}`);
    await message(LENGTH).waitFor();
    await expect.poll(() => message(LENGTH).isVisible()).toBe(true);
    expect(await mounted()).toBeLessThan(MOUNTED_AT_MOST);
    expect(await message(LENGTH - 150).count()).toBe(0);
    expect(harness.problems).toEqual([]);
  });

  it("loads older pages as it is scrolled up, keeping what is in view where it was", async () => {
    // Each time the top of what is loaded is reached, the page before it comes in front of it.
    const top = (await list().boundingBox())?.y ?? 0;
    for (const first of [LENGTH - 99, LENGTH - 199, LENGTH - 299]) {
      await list().evaluate((element) => element.scrollTo({ top: 0 }));
      // The older page arrives above what was the top: that message stays at the top of the view,
      // rather than being pushed a hundred rows down.
      await message(first - 1).waitFor({ state: "attached" });
      await expect.poll(() => scrollTop()).toBeGreaterThan(1000);
      const kept = await message(first).boundingBox();
      expect(kept?.y ?? -1).toBeGreaterThanOrEqual(top - 60);
      expect(kept?.y ?? Number.POSITIVE_INFINITY).toBeLessThan(top + 200);
      expect(await mounted()).toBeLessThan(MOUNTED_AT_MOST);
    }
  });

  it("holds only the newest page again once scrolled back to the end", async () => {
    const held = await scrollHeight();
    await list().evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await expect.poll(() => scrollHeight()).toBeLessThan(held / 2);
    await expect.poll(() => message(LENGTH).isVisible()).toBe(true);
    expect(await message(LENGTH - 150).count()).toBe(0);
  });

  it("reaches the first message as it is scrolled up and comes back down, the DOM and the messages held bounded, and jumps back to the latest", async () => {
    for (let attempt = 0; attempt < 200 && (await message(1).count()) === 0; attempt++) {
      await list().evaluate((element) => element.scrollTo({ top: 0 }));
      await page.waitForTimeout(50);
      expect(await mounted()).toBeLessThan(MOUNTED_AT_MOST);
    }
    await expect.poll(() => message(1).isVisible()).toBe(true);
    expect(await mounted()).toBeLessThan(MOUNTED_AT_MOST);
    // The newest pages were let go on the way up: the list is as tall as the pages held.
    expect(await scrollHeight()).toBeLessThan(HELD_AT_MOST_PX);

    // Scrolled back down, the pages let go are loaded again, in order, and older ones let go.
    for (let attempt = 0; attempt < 200 && (await message(1_200).count()) === 0; attempt++) {
      await list().evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
      await page.waitForTimeout(50);
      expect(await mounted()).toBeLessThan(MOUNTED_AT_MOST);
      expect(await scrollHeight()).toBeLessThan(HELD_AT_MOST_PX);
    }
    await message(1_200).waitFor({ state: "attached" });
    await expect.poll(() => message(1).count()).toBe(0);

    // Away from the end, a button leads back to the newest message.
    await page.getByRole("button", { name: "Jump to latest" }).click();
    await expect.poll(() => message(LENGTH).isVisible(), { timeout: 10_000 }).toBe(true);
    await page.getByRole("button", { name: "Jump to latest" }).waitFor({ state: "detached" });
    expect(await mounted()).toBeLessThan(MOUNTED_AT_MOST);
    expect(harness.problems).toEqual([]);
  }, 120_000);

  it("opens a link to a message pages above the end (as search does), loading the pages down to it", async () => {
    const wanted = LENGTH - 350;
    const { rows } = await harness.server.db.query<{ id: string }>(
      "SELECT id FROM messages WHERE conversation_id = $1 AND content LIKE $2",
      [conversationId, `Message ${wanted}\n%`],
    );
    await page.goto(`/c/${conversationId}?message=${rows[0]?.id}`);
    await message(wanted).waitFor();
    await expect
      .poll(() =>
        message(wanted).evaluate((element) => {
          const box = element.getBoundingClientRect();
          return box.top >= 0 && box.bottom <= (element.ownerDocument.defaultView?.innerHeight ?? 0);
        }),
      )
      .toBe(true);
    expect(await page.locator("[data-revealed]").count()).toBe(1);
    // Done, the address names the conversation alone.
    await page.waitForURL(`**/c/${conversationId}`);
    expect(await mounted()).toBeLessThan(MOUNTED_AT_MOST);
    expect(harness.problems).toEqual([]);
  });
});

/**
 * Writes a conversation of LENGTH messages in one statement: a chain of questions and replies (each
 * the parent of the next), some a few paragraphs long so rows differ in height, the last one active.
 */
async function seed(harness: BrowserHarness, conversationId: string): Promise<void> {
  await harness.server.db.query(
    `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, model, created_at, updated_at)
     SELECT id, $1, lag(id) OVER (ORDER BY n),
       CASE WHEN n % 2 = 1 THEN 'user' ELSE 'assistant' END,
       'Message ' || n || CASE WHEN n % 5 = 0
         THEN E'\\n\\nA longer reply, so rows differ in height.\\n\\n- one point\\n- another point\\n\\nAnd a closing line.'
         ELSE '' END,
       'done', CASE WHEN n % 2 = 0 THEN 'local/tiny-chat' END,
       now() - make_interval(secs => $2 - n), now() - make_interval(secs => $2 - n)
     FROM (SELECT n, gen_random_uuid() AS id FROM generate_series(1, $2::int) AS n) numbered
     ORDER BY n`,
    [conversationId, LENGTH],
  );
  await harness.server.db.query(
    `UPDATE conversations SET active_message_id =
       (SELECT id FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 1)
     WHERE id = $1`,
    [conversationId],
  );
}

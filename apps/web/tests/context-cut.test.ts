import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, setUpThroughTheApp, startBrowserHarness } from "./browser.ts";

const CUT = "The latest reply read from here on: earlier messages did not fit the model's context.";

const SUMMARIZED = "The latest reply read from here on, after a summary of the earlier messages that the model wrote.";

interface Message {
  id: string;
  status: string;
  contextMessages: number | null;
  contextSummaryId: string | null;
}

describe.runIf(canRunBrowser)("the web app in Chromium: where a long conversation's context is cut", () => {
  let harness: BrowserHarness;
  let page: Page;

  beforeAll(async () => {
    // A 1,024-token context: a few long messages overflow it.
    harness = await startBrowserHarness({ maxReplyTokens: 4 });
    page = await harness.open("/");
    await setUpThroughTheApp(page);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  /** A new conversation, and a way to send it a long message and wait for the reply's end. */
  async function longConversation() {
    const csrf = ((await (await page.request.get("/api/auth/me")).json()) as { csrfToken: string }).csrfToken;
    const headers = { "X-CSRF-Token": csrf };
    const { id } = (await (await page.request.post("/api/conversations", { data: {}, headers })).json()) as {
      id: string;
    };
    const send = async (index: number) => {
      const sent = (await (
        await page.request.post(`/api/conversations/${id}/messages`, {
          data: { content: `Message ${index}: ${"a long line about hearths and fires ".repeat(30)}` },
          headers,
        })
      ).json()) as { assistantMessage: Message };
      for (let attempt = 0; attempt < 200; attempt++) {
        const path = (await (await page.request.get(`/api/conversations/${id}/messages`)).json()) as {
          data: Message[];
        };
        const reply = path.data.find((message) => message.id === sent.assistantMessage.id);
        if (reply !== undefined && reply.status !== "pending" && reply.status !== "streaming") return reply;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error("the reply did not end");
    };
    return { id, send };
  }

  it("marks the first message the newest reply read, and moves the mark as the conversation grows", async () => {
    const { id, send } = await longConversation();
    let last = await send(1);
    expect(last.contextMessages).toBe(1);
    await page.goto(`/c/${id}`);
    await page
      .getByRole("region", { name: "Messages" })
      .getByText(/^Message 1:/)
      .waitFor();
    expect(await page.getByText(CUT).count()).toBe(0);

    // Long messages, until the newest reply no longer reads them all.
    let sent = 1;
    while ((last.contextMessages ?? 0) >= 2 * sent - 1 && sent < 12) last = await send(++sent);
    const pathLength = 2 * sent;
    expect(last.contextMessages).toBeLessThan(pathLength - 1);
    const firstRead = pathLength - 1 - (last.contextMessages ?? 0);
    // The mark sits right above the first message that was read (a question, or the reply before it).
    await page.getByText(CUT).waitFor({ timeout: 30_000 });
    await page.getByText(CUT).scrollIntoViewIfNeeded();
    const markedRow = page.locator("[data-index]").filter({ hasText: CUT });
    expect(await markedRow.getAttribute("data-index")).toBe(String(firstRead));
    expect(await seriousViolations(page), "the context cut").toEqual([]);
    expect(harness.problems).toEqual([]);
  }, 120_000);

  it("says when a summary stood in for the earlier messages, and shows it", async () => {
    const { id, send } = await longConversation();
    await send(1);
    await page.goto(`/c/${id}`);
    // The chat's own settings: summarize what no longer fits.
    await page.getByRole("button", { name: "Chat settings" }).click();
    const dialog = page.getByRole("dialog", { name: "Chat settings" });
    await dialog.getByLabel("When the chat outgrows the model's context").selectOption("summarize");
    await dialog.getByRole("button", { name: "Save", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    const stored = (await (await page.request.get(`/api/conversations/${id}`)).json()) as { contextStrategy: string };
    expect(stored.contextStrategy).toBe("summarize");

    let last = await send(2);
    for (let sent = 2; last.contextSummaryId === null && sent < 14; ) last = await send(++sent);
    expect(last.status).toBe("done");
    expect(last.contextSummaryId).not.toBeNull();
    const summary = (await (
      await page.request.get(`/api/conversations/${id}/summaries/${last.contextSummaryId}`)
    ).json()) as { content: string; coveredMessages: number };

    await page.getByText(SUMMARIZED).waitFor({ timeout: 30_000 });
    await page.getByText(SUMMARIZED).scrollIntoViewIfNeeded();
    expect(await page.getByText(CUT).count()).toBe(0);
    await page.getByText("Show the summary").click();
    const shown = page.getByText(`Stands for ${summary.coveredMessages} message`);
    await shown.waitFor();
    expect(await page.locator("details p.whitespace-pre-wrap").textContent()).toBe(summary.content);
    expect(await seriousViolations(page), "the summary note").toEqual([]);
    expect(harness.problems).toEqual([]);
  }, 180_000);
});

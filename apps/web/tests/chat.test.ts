import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type OpenAIProtocolReplay, startOpenAIProtocolReplay } from "@hearth/engine/testing";
import { type Message, signedInAdmin, type TestClient } from "@hearth/server/testing";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./axe.ts";
import { type BrowserHarness, canRunBrowser, signInThroughTheApp, startBrowserHarness } from "./browser.ts";

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;

/**
 * Installed before the app's own scripts (the driver's injection, which the page's CSP does not
 * govern): conversation event streams whose connection the test can cut, as a dropped network would.
 */
const CUTTABLE_EVENT_STREAMS = `
(() => {
  const send = window.fetch.bind(window);
  const cuts = [];
  window.__cutEventStreams = () => { for (const cut of cuts.splice(0)) cut(); };
  window.fetch = async (input, init) => {
    const response = await send(input, init);
    const url = typeof input === "string" ? input : input.url;
    if (!url.includes("/events") || response.body === null) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream({
      start(controller) {
        cuts.push(() => {
          try { controller.error(new TypeError("network error: cut by the test")); } catch {}
          reader.cancel().catch(() => {});
        });
      },
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) controller.close(); else controller.enqueue(value);
        } catch (error) {
          try { controller.error(error); } catch {}
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
})();
`;

/** A streamed OpenAI chat reply of `pieces`; with `pause`, it stops short and waits until its client leaves. */
function scriptedReply(pieces: readonly string[], options: { pause?: boolean } = {}) {
  const chunk = (delta: object, finishReason: string | null = null) => ({
    data: {
      id: "chatcmpl-scripted",
      object: "chat.completion.chunk",
      created: 1745920000,
      model: "gpt-test",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    },
  });
  const text = [chunk({ role: "assistant", content: "" }), ...pieces.map((content) => chunk({ content }))];
  if (options.pause) return [...text, { pause: true as const }];
  return [...text, chunk({}, "stop"), { data: "[DONE]" }];
}

const HELD_BEFORE = ["The first part, ", "written before ", "the reload; "];
const HELD_AFTER = ["the second part, ", "written after ", "the connection ", "came back."];

/**
 * An OpenAI-compatible provider (its streaming protocol, over HTTP) whose replies write their first
 * pieces and then wait until the test lets them go on: the page can reload and reconnect mid-reply.
 */
async function startHeldProvider() {
  let release = () => {};
  let held = Promise.resolve();
  const chunk = (delta: object, finishReason: string | null = null) =>
    `data: ${JSON.stringify({
      id: "chatcmpl-held",
      object: "chat.completion.chunk",
      created: 1745920000,
      model: "held-model",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    })}\n\n`;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 120));
  const server = createServer(async (request, response) => {
    for await (const _ of request); // The question is not read: every reply is the same.
    if (request.url?.endsWith("/models")) {
      response.writeHead(200, { "content-type": "application/json" });
      const model = { id: "held-model", object: "model", created: 1, owned_by: "tests", context_length: 32768 };
      response.end(JSON.stringify({ object: "list", data: [model] }));
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write(chunk({ role: "assistant", content: "" }));
    // Apart in time, so the reply's text is stored (and sent) as several events.
    for (const content of HELD_BEFORE) {
      response.write(chunk({ content }));
      await pause();
    }
    await held;
    for (const content of HELD_AFTER) {
      response.write(chunk({ content }));
      await pause();
    }
    response.end(`${chunk({}, "stop")}data: [DONE]\n\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    /** The next replies wait after their first pieces until `release`. */
    hold() {
      held = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A reply that streams a little and then waits: it ends only when stopped. */
const UNTIL_STOPPED = scriptedReply(["Once upon a time, ", "a long story began"], { pause: true });
const SHORT_REPLY = scriptedReply(["Here is ", "**another** answer."]);
const REPLAY_MODEL = "replay/gpt-test";

describe.runIf(canRunBrowser)("the web app in Chromium: a conversation", () => {
  let harness: BrowserHarness;
  let replay: OpenAIProtocolReplay;
  let heldProvider: Awaited<ReturnType<typeof startHeldProvider>>;
  let ada: TestClient;
  let signedIn: StorageState;
  const pages: Page[] = [];
  beforeAll(async () => {
    // Replies come from the protocol replay and the held provider, which end when a test says.
    replay = await startOpenAIProtocolReplay(["gpt-test"]);
    heldProvider = await startHeldProvider();
    harness = await startBrowserHarness({
      providers: [
        { id: "replay", kind: "openai-compatible", baseUrl: `${replay.url}/v1`, timeoutSeconds: 5 },
        { id: "held", kind: "openai-compatible", baseUrl: heldProvider.url, timeoutSeconds: 30 },
      ],
    });
    ada = await signedInAdmin(harness.server);
    const page = await harness.open("/");
    await signInThroughTheApp(page);
    signedIn = await page.context().storageState();
    await page.context().close();
  });
  afterEach(async () => {
    // Each test leaves no reply running for the next.
    for (const page of pages.splice(0)) await page.context().close();
    await untilNoReplyIsWritten();
    expect(harness.problems).toEqual([]);
  });
  afterAll(async () => {
    await harness?.close();
    await replay?.close();
    await heldProvider?.close();
  });

  /** A page signed in as the admin, allowed to use the clipboard, opened at `path`. */
  const open = async (path = "/", options: { cuttable?: boolean } = {}) => {
    const context = await harness.newContext({
      storageState: signedIn,
      permissions: ["clipboard-read", "clipboard-write"],
    });
    if (options.cuttable) await context.addInitScript({ content: CUTTABLE_EVENT_STREAMS });
    const page = await context.newPage();
    pages.push(page);
    await page.goto(path);
    await composer(page).waitFor();
    return page;
  };
  const composer = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });
  const replies = (page: Page) => page.locator('article[data-role="assistant"]');
  const questions = (page: Page) => page.locator('[data-role="user"]');
  const button = (page: Page, name: string) => page.getByRole("button", { name, exact: true });
  const lastReplyStatus = (page: Page) => replies(page).last().getAttribute("data-status");
  const conversationIdOf = (page: Page) => new URL(page.url()).pathname.split("/").at(-1) as string;
  /** A conversation on the replay's model, opened. */
  const openConversation = async () => {
    const created = await ada.post<{ id: string }>("/api/conversations", { model: REPLAY_MODEL });
    return open(`/c/${created.body.id}`);
  };
  const storedPath = async (conversationId: string) =>
    (await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`)).body.data;
  const clipboard = (page: Page) =>
    page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );

  const announcements = (page: Page) => page.locator('[aria-live="polite"]').last().textContent();
  const rootClass = (page: Page) =>
    page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { className: string } } }).document.documentElement
          .className,
    );
  const transitionsDone = (page: Page) =>
    page.evaluate(async () => {
      const { document } = globalThis as unknown as {
        document: { getAnimations(): { constructor: { name: string }; finished: Promise<unknown> }[] };
      };
      const transitions = document
        .getAnimations()
        .filter((animation) => animation.constructor.name === "CSSTransition");
      await Promise.all(transitions.map((transition) => transition.finished.catch(() => {})));
    });

  /** Waits until the server writes no reply (stopping any a test left behind). */
  const untilNoReplyIsWritten = async () => {
    const { rows } = await harness.server.db.query<{ id: string }>(
      "SELECT id FROM messages WHERE status IN ('pending', 'streaming')",
    );
    for (const row of rows) await ada.post(`/api/messages/${row.id}/cancel`);
  };

  /** Sends a message from the composer and waits until its reply streams text. */
  const send = async (page: Page, text: string) => {
    const count = await replies(page).count();
    await composer(page).fill(text);
    await composer(page).press("Enter");
    await expect.poll(() => replies(page).count(), { timeout: 30_000 }).toBe(count + 1);
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("streaming");
  };

  it("sends a message, streams the reply, stops it, regenerates it and switches between the versions", async () => {
    const page = await openConversation();
    replay.script = UNTIL_STOPPED;
    await send(page, "Tell me a long story");
    // A reply is announced once it has finished, not token by token.
    expect(await announcements(page)).not.toContain("Once upon a time");
    await button(page, "Stop").click();
    await expect.poll(() => lastReplyStatus(page)).toBe("cancelled");
    const conversationId = conversationIdOf(page);
    const [question, stopped] = await storedPath(conversationId);
    expect(question?.content).toBe("Tell me a long story");
    expect(stopped?.status).toBe("cancelled");
    await expect.poll(() => replies(page).last().getByText("Stopped.").count()).toBe(1);
    expect(await replies(page).last().textContent()).toContain("Once upon a time, a long story began");

    replay.script = SHORT_REPLY;
    await button(page, "Regenerate").click();
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("done");
    const [, regenerated] = await storedPath(conversationId);
    expect(regenerated?.siblingIds).toEqual([stopped?.id, regenerated?.id]);
    expect(await replies(page).last().getAttribute("data-message-id")).toBe(regenerated?.id);
    await replies(page).last().getByText("Version 2 of 2").waitFor();
    expect(await replies(page).last().locator("strong").textContent()).toBe("another");
    await expect.poll(() => announcements(page)).toBe("Reply finished: Here is **another** answer.");
    // The finished reply shows its model, tokens and timing.
    await replies(page).last().getByText("Details").click();
    await replies(page).last().getByText(REPLAY_MODEL).waitFor();
    await replies(page).last().getByText("Time to first token").waitFor();

    await button(page, "Previous version").click();
    await expect.poll(() => replies(page).last().getAttribute("data-message-id")).toBe(stopped?.id);
    await replies(page).last().getByText("Version 1 of 2").waitFor();
    expect(await lastReplyStatus(page)).toBe("cancelled");
    expect(
      (await ada.get<{ activeMessageId: string }>(`/api/conversations/${conversationId}`)).body.activeMessageId,
    ).toBe(stopped?.id);
    await button(page, "Next version").click();
    await expect.poll(() => replies(page).last().getAttribute("data-message-id")).toBe(regenerated?.id);
    expect(await replies(page).count()).toBe(1);
  }, 120_000);

  it("edits a question into a new branch with its own reply, keeping the old one a version away", async () => {
    const page = await openConversation();
    replay.script = UNTIL_STOPPED;
    await send(page, "The original question");
    await button(page, "Stop").click();
    await expect.poll(() => lastReplyStatus(page)).toBe("cancelled");

    replay.script = SHORT_REPLY;
    await button(page, "Edit").click();
    const field = page.getByRole("textbox", { name: "Edit message" });
    await field.fill("The edited question");
    await button(page, "Save and send").click();
    await expect.poll(() => questions(page).last().textContent()).toContain("The edited question");
    await questions(page).last().getByText("Version 2 of 2").waitFor();
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("done");
    const [edited, reply] = await storedPath(conversationIdOf(page));
    expect(edited).toMatchObject({ content: "The edited question", parentId: null });
    expect(edited?.siblingIds).toHaveLength(2);
    expect(reply?.parentId).toBe(edited?.id);
    expect(await questions(page).count()).toBe(1);

    await questions(page).last().getByRole("button", { name: "Previous version" }).click();
    await expect.poll(() => questions(page).last().textContent()).toContain("The original question");
    await expect.poll(() => lastReplyStatus(page)).toBe("cancelled");
  }, 120_000);

  it("resumes a reply after a reload mid-stream, and after a dropped connection, without repeating text", async () => {
    const { id: conversationId } = (await ada.post<{ id: string }>("/api/conversations", { model: "held/held-model" }))
      .body;
    heldProvider.hold();
    const page = await open(`/c/${conversationId}`, { cuttable: true });
    await send(page, "Write a long answer");
    await expect.poll(() => replies(page).last().textContent()).toContain("the reload;");
    await page.reload();
    // The page joins the reply while it is written: what the snapshot held, then the events after it.
    await expect.poll(() => replies(page).last().textContent()).toContain("the reload;");
    expect(await lastReplyStatus(page)).toBe("streaming");
    // The connection drops; the reply goes on meanwhile; the page reconnects by itself and catches up.
    await page.evaluate(() => (globalThis as unknown as { __cutEventStreams(): void }).__cutEventStreams());
    await page.getByText("Reconnecting…").waitFor();
    heldProvider.release();
    await page.getByText("Reconnecting…").waitFor({ state: "detached", timeout: 20_000 });
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("done");

    const [, stored] = await storedPath(conversationId);
    expect(stored).toMatchObject({ status: "done", content: [...HELD_BEFORE, ...HELD_AFTER].join("") });
    // What the page holds is what the server stored: Copy copies the reply as the page has it.
    await replies(page).last().getByRole("button", { name: "Copy", exact: true }).click();
    await expect.poll(() => clipboard(page)).toBe(stored?.content);
    expect((stored?.content.length ?? 0) > 0).toBe(true);
  }, 120_000);

  it("says why a reply failed and offers to try again", async () => {
    const page = await openConversation();
    replay.script = [...scriptedReply(["Half an ans"]).slice(0, 2), { breakConnection: true as const }];
    await composer(page).fill("Break, please");
    await composer(page).press("Enter");
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("error");
    await replies(page).last().getByText("The reply failed:", { exact: false }).waitFor();
    replay.script = SHORT_REPLY;
    await replies(page).last().getByRole("button", { name: "Try again" }).click();
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("done");
    await replies(page).last().getByText("Version 2 of 2").waitFor();
  }, 120_000);

  it("shows a reply's tool calls with their results folded where they happened", async () => {
    const { id } = (
      await ada.post<{ id: string }>("/api/conversations", { model: REPLAY_MODEL, tools: ["calculator"] })
    ).body;
    // The replay's recorded replies: two tool calls while tools are offered, then text.
    replay.script = undefined;
    const page = await open(`/c/${id}`);
    await composer(page).fill("What is the weather in Paris?");
    await composer(page).press("Enter");
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("done");
    const [, stored] = await storedPath(id);
    expect(stored?.parts?.length ?? 0).toBeGreaterThan(0);

    const call = replies(page).last().locator("details", { hasText: "Tool: get_weather" }).first();
    expect(await call.getAttribute("open")).toBeNull();
    expect(await call.getByText('{"location":"Paris"}').isVisible()).toBe(false);
    await call.locator("summary").click();
    await call.getByText('{"location":"Paris"}').waitFor();
    await call.getByText("Result").waitFor();
    await call.getByText('There is no tool named "get_weather"', { exact: false }).waitFor();
    expect(await replies(page).last().locator("details", { hasText: "Tool: get_time" }).count()).toBeGreaterThan(0);
  }, 120_000);

  it("queues a message typed during a reply, which can be cancelled, and sends it when the reply ends", async () => {
    const page = await openConversation();
    replay.script = UNTIL_STOPPED;
    await send(page, "The first question");
    await composer(page).fill("A message I change my mind about");
    await composer(page).press("Enter");
    await page.getByText("Queued", { exact: true }).waitFor();
    await button(page, "Cancel queued message").click();
    await page.getByText("Queued", { exact: true }).waitFor({ state: "detached" });
    await composer(page).fill("The second question");
    await button(page, "Send").click();
    await page.getByText("Queued", { exact: true }).waitFor();
    expect(await questions(page).count()).toBe(1);

    // The reply ends (stopped here): the queued message goes.
    replay.script = SHORT_REPLY;
    await button(page, "Stop").click();
    await expect.poll(() => questions(page).count(), { timeout: 30_000 }).toBe(2);
    await page.getByText("Queued", { exact: true }).waitFor({ state: "detached" });
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("done");
    const path = await storedPath(conversationIdOf(page));
    expect(path.map((message) => [message.role, message.status])).toEqual([
      ["user", "done"],
      ["assistant", "cancelled"],
      ["user", "done"],
      ["assistant", "done"],
    ]);
    expect(path[2]?.content).toBe("The second question");
  }, 120_000);

  it("keeps drafts through a reload, one per conversation and one for a new chat, until sent", async () => {
    const { id } = (await ada.post<{ id: string }>("/api/conversations", { title: "Drafts" })).body;
    const page = await open("/");
    await composer(page).fill("A draft for a new chat,\nover two lines");
    await page.goto(`/c/${id}`);
    await composer(page).fill("A draft in a conversation");
    await page.reload();
    await composer(page).waitFor();
    expect(await composer(page).inputValue()).toBe("A draft in a conversation");
    await page.goto("/");
    await composer(page).waitFor();
    expect(await composer(page).inputValue()).toBe("A draft for a new chat,\nover two lines");

    // The box grows with its text, and Shift+Enter breaks the line instead of sending.
    const oneLine = (await composer(page).boundingBox())?.height ?? 0;
    await composer(page).press("Control+End");
    await composer(page).press("Shift+Enter");
    await composer(page).pressSequentially("and a third");
    expect(await composer(page).inputValue()).toBe("A draft for a new chat,\nover two lines\nand a third");
    expect((await composer(page).boundingBox())?.height ?? 0).toBeGreaterThan(oneLine);

    await composer(page).press("Enter");
    await page.waitForURL(/\/c\/[0-9a-f-]+$/);
    await composer(page).waitFor();
    expect(await composer(page).inputValue()).toBe("");
    await page.goto("/");
    await composer(page).waitFor();
    expect(await composer(page).inputValue()).toBe("");
  }, 120_000);

  it("runs every conversation shortcut: stop, regenerate, edit the last question, focus, copy the last reply", async () => {
    const page = await openConversation();
    replay.script = UNTIL_STOPPED;
    await send(page, "Shortcuts");
    await composer(page).press("Escape");
    await expect.poll(() => lastReplyStatus(page)).toBe("cancelled");

    replay.script = SHORT_REPLY;
    await page.keyboard.press("Alt+Shift+KeyR");
    await expect.poll(() => replies(page).last().getByText("Version 2 of 2").count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("done");

    await page.keyboard.press("Alt+Shift+KeyC");
    const [, reply] = await storedPath(conversationIdOf(page));
    await expect.poll(() => clipboard(page)).toBe(reply?.content);

    await page.locator("body").click();
    await page.keyboard.press("Shift+Escape");
    await expect
      .poll(() => composer(page).evaluate((element) => element === element.ownerDocument.activeElement))
      .toBe(true);

    // ArrowUp in the empty box edits the last question; Escape leaves editing.
    await composer(page).press("ArrowUp");
    const field = page.getByRole("textbox", { name: "Edit message" });
    await field.waitFor();
    expect(await field.inputValue()).toBe("Shortcuts");
    await field.press("Escape");
    await field.waitFor({ state: "detached" });
    await page.keyboard.press("Alt+Shift+KeyE");
    await field.waitFor();
    await field.press("Escape");
  }, 120_000);

  it("passes an axe scan with a conversation shown, in light and in dark", async () => {
    const page = await openConversation();
    replay.script = UNTIL_STOPPED;
    await send(page, "Check my contrast");
    await button(page, "Stop").click();
    await expect.poll(() => lastReplyStatus(page)).toBe("cancelled");
    replay.script = SHORT_REPLY;
    await button(page, "Regenerate").click();
    await expect.poll(() => lastReplyStatus(page), { timeout: 30_000 }).toBe("done");
    await replies(page).last().getByText("Details").click();
    const theme = page.getByRole("combobox", { name: "Theme" });
    for (const name of ["light", "dark"]) {
      await theme.selectOption(name);
      await expect.poll(async () => (await rootClass(page)).includes("dark")).toBe(name === "dark");
      // Colours change with a transition: the scan reads them once it has run.
      await transitionsDone(page);
      expect(await seriousViolations(page)).toEqual([]);
    }
    await theme.selectOption("system");
  }, 120_000);
});

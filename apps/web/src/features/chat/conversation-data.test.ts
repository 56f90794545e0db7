import type { components, ReceivedEvent } from "@hearth/sdk";
import { describe, expect, it } from "vitest";
import {
  applyEvent,
  type ConversationData,
  contextStartOf,
  fromPath,
  isDetached,
  MAX_PAGES,
  type Message,
  streamingReply,
  withNewer,
  withNewestPageOnly,
  withOlder,
} from "./conversation-data.ts";

type MessagePath = components["schemas"]["MessagePath"];

const PAGE = 100;
const LENGTH = 1_000;

const idOf = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;

function message(index: number, overrides: Partial<Message> = {}): Message {
  return {
    id: idOf(index),
    conversationId: "c",
    parentId: index === 0 ? null : idOf(index - 1),
    role: index % 2 === 0 ? "user" : "assistant",
    content: `message ${index}`,
    status: "done",
    model: null,
    error: null,
    usage: null,
    parts: null,
    contextMessages: null,
    firstTokenAt: null,
    finishedAt: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    siblingIds: [idOf(index)],
    ...overrides,
  } as Message;
}

/**
 * The server's path of `length` linear messages, as GET …/messages answers it: the `PAGE` messages
 * ending at the cursor's (`cN` names message N), or at the leaf without one.
 */
function server(length: number, lastEventId = 1) {
  const cursorOf = (index: number) => `c${index}`;
  return {
    cursorOf,
    page(cursor: string | null): MessagePath {
      const end = cursor === null ? length - 1 : Number(cursor.slice(1));
      const start = Math.max(0, end - PAGE + 1);
      const data = Array.from({ length: end - start + 1 }, (_, offset) => message(start + offset));
      return { data, nextCursor: start === 0 ? null : cursorOf(start - 1), lastEventId };
    },
  };
}

/** Every message follows the one before it: the window is one piece of the path. */
function expectContiguous(data: ConversationData): void {
  data.ids.forEach((id, index) => {
    const shown = data.byId.get(id);
    expect(shown?.id).toBe(id);
    if (index > 0) expect(shown?.parentId).toBe(data.ids[index - 1]);
  });
  expect(data.byId.size).toBe(data.ids.length);
}

function scrollToTop(data: ConversationData, path: ReturnType<typeof server>): ConversationData {
  let current = data;
  while (current.nextCursor !== null) {
    current = withOlder(current, path.page(current.nextCursor), current.nextCursor);
    expect(current.ids.length).toBeLessThanOrEqual(MAX_PAGES * PAGE);
    expectContiguous(current);
  }
  return current;
}

function scrollToEnd(data: ConversationData, path: ReturnType<typeof server>): ConversationData {
  let current = data;
  while (isDetached(current)) {
    const next = withNewer(current, path.page(current.newer.at(-1) ?? null));
    if (next === "reload") throw new Error("the window asked for a reload");
    current = next;
    expect(current.ids.length).toBeLessThanOrEqual(MAX_PAGES * PAGE);
    expectContiguous(current);
  }
  return current;
}

const event = (type: string, data: unknown, id?: number) => ({ type, data, id }) as ReceivedEvent;

describe("the window of a long conversation", () => {
  it("holds at most MAX_PAGES pages from the newest message to the first and back", () => {
    const path = server(LENGTH);
    const opened = fromPath(path.page(null));
    expect(opened.ids.at(-1)).toBe(idOf(LENGTH - 1));
    expect(isDetached(opened)).toBe(false);

    const top = scrollToTop(opened, path);
    expect(top.ids[0]).toBe(idOf(0));
    expect(top.ids.length).toBe(MAX_PAGES * PAGE);
    expect(isDetached(top)).toBe(true);
    expect(top.newer).toHaveLength(LENGTH / PAGE - MAX_PAGES);

    const end = scrollToEnd(top, path);
    expect(end.ids.at(-1)).toBe(idOf(LENGTH - 1));
    expect(end.ids.length).toBe(MAX_PAGES * PAGE);
    expect(end.newer).toEqual([]);
    // Older messages continue right before the window.
    expect(path.page(end.nextCursor).data.at(-1)?.id).toBe(end.byId.get(end.ids[0] as string)?.parentId);
    // And scrolling up again goes on from there.
    expect(scrollToTop(end, path).ids[0]).toBe(idOf(0));

    // Back at the end, it holds what it held when it opened, and scrolls up from there again.
    const settled = withNewestPageOnly(end);
    expect(settled.ids).toEqual(opened.ids);
    expect(settled.nextCursor).toBe(opened.nextCursor);
    expect(settled.byId.size).toBe(PAGE);
    expect(scrollToTop(settled, path).ids[0]).toBe(idOf(0));
  });

  it("keeps following the newest message while it is not loaded, and shows it when scrolled back to", () => {
    const path = server(LENGTH);
    const top = scrollToTop(fromPath(path.page(null)), path);
    const question = message(LENGTH);
    const reply = message(LENGTH + 1, { content: "", status: "streaming" });
    let data = top;
    for (const received of [
      event("message.created", question, 2),
      event("message.created", reply, 3),
      event("message.delta", { messageId: reply.id, delta: "Hel" }, 4),
      event("message.delta", { messageId: reply.id, delta: "lo" }, 5),
    ]) {
      const next = applyEvent(data, received);
      if (next === "reload") throw new Error(`${received.type} asked for a reload`);
      data = next;
    }
    expect(data.ids).toEqual(top.ids);
    expect(streamingReply(data)?.content).toBe("Hello");
    expect(applyEvent(data, event("conversation.updated", { activeMessageId: reply.id }, 6))).not.toBe("reload");
    expect(applyEvent(data, event("conversation.updated", { activeMessageId: idOf(5) }, 6))).toBe("reload");

    const grown = server(LENGTH + 2, 5);
    const end = scrollToEnd(data, grown);
    expect(end.ids.at(-1)).toBe(reply.id);
    expect(end.lastEventId).toBe(5);
    expect(end.load).toEqual({ from: 5 });
  });

  it("ends the path at an edit made inside the window, and loads the newest page from the new leaf", () => {
    const path = server(LENGTH);
    const top = scrollToTop(fromPath(path.page(null)), path);
    const editedIndex = 150;
    const edit = message(5_000, { parentId: idOf(editedIndex - 1), siblingIds: [idOf(editedIndex)] });
    const edited = applyEvent(top, event("message.created", edit, 2));
    if (edited === "reload") throw new Error("the edit asked for a reload");
    expect(edited.ids.at(-1)).toBe(edit.id);
    expect(edited.ids).toHaveLength(editedIndex + 1);
    expect(isDetached(edited)).toBe(false);
    expect(edited.pages.at(-1)?.cursor).toBeNull();
    expect(edited.byId.get(edit.id)?.siblingIds).toEqual([idOf(editedIndex), edit.id]);
    expectContiguous(edited);
  });

  it("asks for a reload when a page no longer continues the window, and starts over at a newest page that does not", () => {
    const path = server(LENGTH);
    const top = scrollToTop(fromPath(path.page(null)), path);
    const elsewhere = { ...path.page(`c${LENGTH - 1}`) };
    expect(withNewer(top, elsewhere)).toBe("reload");

    const branched: MessagePath = {
      data: [message(9_000, { parentId: idOf(2) }), message(9_001, { parentId: idOf(9_000) })],
      nextCursor: "c2",
      lastEventId: 9,
    };
    const nearEnd: ConversationData = { ...top, newer: [null] };
    const restarted = withNewer(nearEnd, branched);
    if (restarted === "reload") throw new Error("the newest page asked for a reload");
    expect(restarted.ids).toEqual([idOf(9_000), idOf(9_001)]);
    expect(isDetached(restarted)).toBe(false);
  });
});

describe("where the newest reply's context starts", () => {
  const path = (length: number, contextMessages: number | null, nextCursor: string | null = null) =>
    fromPath({
      data: Array.from({ length }, (_, index) =>
        message(index, index === length - 1 ? { role: "assistant", contextMessages } : {}),
      ),
      nextCursor,
      lastEventId: 1,
    });

  it("is the first message the reply's prompt held, when older ones did not fit", () => {
    expect(contextStartOf(path(8, 3))).toBe(idOf(4));
    expect(contextStartOf(path(8, 6))).toBe(idOf(1));
  });

  it("is nothing when every message fit, or when the cut is among messages not loaded", () => {
    expect(contextStartOf(path(8, 7))).toBeUndefined();
    expect(contextStartOf(path(8, null))).toBeUndefined();
    expect(contextStartOf(path(8, 7, "c0"))).toBe(idOf(0));
    expect(contextStartOf(path(8, 9, "c0"))).toBeUndefined();
  });
});

describe("a reply's message.done", () => {
  it("brings what the reply read from memory into the message, and keeps what it had when the event names nothing", () => {
    const reply = message(1, { content: "", status: "streaming", memoryUsed: null });
    const opened = fromPath({ data: [message(0), reply], nextCursor: null, lastEventId: 1 });
    const memoryUsed = [
      { type: "memory", memoryId: idOf(90), content: "Prefers metric units." },
      { type: "message", messageId: idOf(91), conversationId: "b", conversationTitle: "Bread", text: "Clint" },
    ];
    const done = applyEvent(opened, event("message.done", { messageId: reply.id, status: "done", memoryUsed }, 2));
    if (done === "reload") throw new Error("message.done asked for a reload");
    expect(done.byId.get(reply.id)?.memoryUsed).toEqual(memoryUsed);

    const without = applyEvent(done, event("message.done", { messageId: reply.id, status: "done" }, 3));
    if (without === "reload") throw new Error("message.done asked for a reload");
    expect(without.byId.get(reply.id)?.memoryUsed).toEqual(memoryUsed);
  });
});

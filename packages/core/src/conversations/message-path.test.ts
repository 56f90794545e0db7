import type { Database } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../clock.ts";
import { cancelReply } from "./cancel-reply.ts";
import { createInProcessEventBus, type LoggedEvent, readEventsAfter } from "./events.ts";
import { Generations } from "./generations.ts";
import { interruptUnfinishedReplies } from "./interrupt-unfinished-replies.ts";
import { activePath, findMessage, insertMessage } from "./messages.ts";
import { ReplyWriter } from "./reply-writer.ts";
import { createConversation } from "./service.ts";
import { databaseWithOwner } from "./test-owner.ts";
import { setActive } from "./turn.ts";

/** A clock the test moves by hand. */
class HandClock implements Clock {
  #time = Date.UTC(2026, 0, 1, 12, 0, 0);
  now(): Date {
    return new Date(this.#time);
  }
  advance(ms: number): Date {
    this.#time += ms;
    return this.now();
  }
}

const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };

describe("reading a conversation's active path while a reply is written", () => {
  let db: Database;
  let ownerId: string;
  const bus = createInProcessEventBus();
  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
  });
  afterAll(() => db.close());

  /** A question and its `pending` reply, the reply the active leaf, as a send leaves them. */
  const pendingReply = async (clock: Clock) => {
    const conversation = await createConversation(db, ownerId, { title: "Path" }, clock.now());
    const base = { conversationId: conversation.id, model: "tiny-chat" };
    const question = await insertMessage(
      db,
      { ...base, parentId: null, role: "user", content: "Hi", status: "done", model: null },
      clock.now(),
    );
    const reply = await insertMessage(
      db,
      { ...base, parentId: question.id, role: "assistant", content: "", status: "pending" },
      clock.now(),
    );
    await setActive(db, conversation.id, reply.id, clock.now());
    return { conversationId: conversation.id, messageId: reply.id, questionId: question.id };
  };

  /** Resolves once the writer has stored a batch (its event published). */
  const stored = (conversationId: string) =>
    new Promise<LoggedEvent>((resolve) => {
      const unsubscribe = bus.subscribe(conversationId, (event) => {
        unsubscribe();
        resolve(event);
      });
    });

  it("says where its snapshot stands in the event log, so the events after it complete the reply exactly", async () => {
    const clock = new HandClock();
    const reply = await pendingReply(clock);
    const writer = new ReplyWriter(db, reply, bus, clock, 1);
    const pieces = ["Hello", ", wor", "ld", "! ", "**bold**", " and `code`", "\n\n| a |\n|---|\n| 1 |"];
    const snapshots: { content: string; lastEventId: number }[] = [];
    for (const piece of pieces) {
      const batch = stored(reply.conversationId);
      writer.write(piece);
      await batch;
      const path = await activePath(db, reply.conversationId, { limit: 10 });
      const last = path.data.at(-1);
      expect(last?.id).toBe(reply.messageId);
      snapshots.push({ content: last?.content ?? "", lastEventId: path.lastEventId });
    }
    await writer.finish({ status: "done", usage: { promptTokens: 3, completionTokens: 7 } });
    const final = (await findMessage(db, reply.messageId))?.content;
    expect(final).toBe(pieces.join(""));

    for (const snapshot of snapshots) {
      const after = await readEventsAfter(db, reply.conversationId, snapshot.lastEventId, 1000);
      const rest = after
        .filter((event) => event.type === "message.delta")
        .map((event) => (JSON.parse(event.data) as { delta: string }).delta)
        .join("");
      expect(snapshot.content + rest).toBe(final);
      expect(after.at(-1)?.type).toBe("message.done");
    }
    // Each snapshot is further along the log than the one before.
    const ids = snapshots.map((snapshot) => snapshot.lastEventId);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("gives the newest event id with an empty path and with an older page", async () => {
    const clock = new HandClock();
    const empty = await createConversation(db, ownerId, { title: "Empty" }, clock.now());
    expect(await activePath(db, empty.id, { limit: 10 })).toEqual({ data: [], nextCursor: null, lastEventId: 0 });

    const reply = await pendingReply(clock);
    const writer = new ReplyWriter(db, reply, bus, clock, 1);
    writer.write("Done.");
    await writer.finish({ status: "done" });
    const newest = await activePath(db, reply.conversationId, { limit: 1 });
    expect(newest.data.map((message) => message.id)).toEqual([reply.messageId]);
    expect(newest.lastEventId).toBe(2);
    const older = await activePath(db, reply.conversationId, { limit: 1, cursor: newest.nextCursor ?? "" });
    expect(older).toMatchObject({ data: [{ id: reply.questionId }], nextCursor: null, lastEventId: 2 });
  });

  it("times a reply from its first output, not from when that output was stored, to its end", async () => {
    const clock = new HandClock();
    const reply = await pendingReply(clock);
    const asked = clock.now();
    const writer = new ReplyWriter(db, reply, bus, clock, 1);
    const firstToken = clock.advance(1500);
    const batch = stored(reply.conversationId);
    writer.write("First");
    // The batch is stored later than the token came: the time kept is the token's.
    clock.advance(40);
    await batch;
    clock.advance(500);
    const next = stored(reply.conversationId);
    writer.write(" and more");
    await next;
    const finished = clock.advance(2000);
    await writer.finish({ status: "done", usage: { promptTokens: 3, completionTokens: 2 } });

    const [, message] = (await activePath(db, reply.conversationId, { limit: 10 })).data;
    expect(message).toMatchObject({
      createdAt: asked.toISOString(),
      firstTokenAt: firstToken.toISOString(),
      finishedAt: finished.toISOString(),
      usage: { promptTokens: 3, completionTokens: 2 },
    });
    const [question] = (await activePath(db, reply.conversationId, { limit: 10 })).data;
    expect(question).toMatchObject({ role: "user", firstTokenAt: null, finishedAt: null });
  });

  it("times a reply whose first output is a tool call, and one that never wrote anything", async () => {
    const clock = new HandClock();
    const calling = await pendingReply(clock);
    const writer = new ReplyWriter(db, calling, bus, clock, 1);
    const called = clock.advance(800);
    const batch = stored(calling.conversationId);
    writer.addPart({ type: "tool-call", toolCallId: "call-1", toolName: "calculator", input: "{}" });
    await batch;
    clock.advance(300);
    writer.addPart({ type: "tool-result", toolCallId: "call-1", toolName: "calculator", output: "4", isError: false });
    const ended = clock.advance(100);
    await writer.finish({ status: "done" });
    expect(await findMessage(db, calling.messageId)).toMatchObject({ first_token_at: called, finished_at: ended });

    const silent = await pendingReply(clock);
    const failed = clock.advance(5000);
    await new ReplyWriter(db, silent, bus, clock, 1).finish({ status: "error", error: "The model failed: boom" });
    expect(await findMessage(db, silent.messageId)).toMatchObject({ first_token_at: null, finished_at: failed });
  });

  it("stores when a reply ended for a cancel and for an interruption at start", async () => {
    const clock = new HandClock();
    const chat = {
      bus,
      generations: new Generations({
        models: { languageModel: () => Promise.reject(new Error("no models in this test")) },
        bus,
        clock,
        logger: silentLogger,
        settings: { maxReplyTokens: 16, coalesceMs: 1 },
      }),
    };
    const cancelled = await pendingReply(clock);
    const cancelledAt = clock.advance(1200);
    const result = await cancelReply(
      { db, clock, chat } as unknown as Parameters<typeof cancelReply>[0],
      ownerId,
      cancelled.messageId,
    );
    expect(result).toMatchObject({ ok: true, value: { status: "cancelled", finishedAt: cancelledAt.toISOString() } });

    const unfinished = await pendingReply(clock);
    const restartedAt = clock.advance(60_000);
    expect(await interruptUnfinishedReplies(db, bus, restartedAt)).toBe(1);
    expect(await findMessage(db, unfinished.messageId)).toMatchObject({
      status: "interrupted",
      finished_at: restartedAt,
    });
  });
});

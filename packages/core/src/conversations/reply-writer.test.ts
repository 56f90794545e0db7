import type { Database } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import { cancelReply } from "./cancel-reply.ts";
import { createInProcessEventBus, type LoggedEvent, readEventsAfter } from "./events.ts";
import { Generations } from "./generations.ts";
import { interruptUnfinishedReplies } from "./interrupt-unfinished-replies.ts";
import { findMessage, insertMessage } from "./messages.ts";
import { ReplyWriter } from "./reply-writer.ts";
import { createConversation } from "./service.ts";
import { databaseWithOwner } from "./test-owner.ts";

/**
 * Issue "Harden the core", item 7: the writer's delta UPDATE did not look at the reply's status, so a
 * delta arriving after a cancel or a shutdown wrote the reply back to `streaming`, and its event was
 * logged even where nothing changed.
 */
const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

describe("ReplyWriter after its reply has ended", () => {
  let db: Database;
  let ownerId: string;
  const bus = createInProcessEventBus();
  // What a cancel uses of the runtime. This process writes none of these replies: a cancel settles them directly.
  const chat = {
    bus,
    generations: new Generations({
      models: { languageModel: () => Promise.reject(new Error("no models in this test")) },
      bus,
      clock: systemClock,
      logger: silentLogger,
      settings: { maxReplyTokens: 16, coalesceMs: 1 },
    }),
  };
  const cancel = (messageId: string) =>
    cancelReply({ db, clock: systemClock, chat } as unknown as Parameters<typeof cancelReply>[0], ownerId, messageId);
  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
  });
  afterAll(() => db.close());

  /** A conversation with a question and its reply, `pending` as a send leaves it. */
  const pendingReply = async () => {
    const conversation = await createConversation(db, ownerId, { title: "Stops" }, new Date());
    const base = { conversationId: conversation.id, model: "tiny-chat" };
    const question = await insertMessage(
      db,
      { ...base, parentId: null, role: "user", content: "Hi", status: "done", model: null },
      new Date(),
    );
    const reply = await insertMessage(
      db,
      { ...base, parentId: question.id, role: "assistant", content: "", status: "pending" },
      new Date(),
    );
    return { conversationId: conversation.id, messageId: reply.id };
  };

  /** Resolves with the next event published for the conversation. */
  const nextEvent = (conversationId: string) =>
    new Promise<LoggedEvent>((resolve) => {
      const unsubscribe = bus.subscribe(conversationId, (event) => {
        unsubscribe();
        resolve(event);
      });
    });

  it("stores no delta and no end once the reply is cancelled, and logs neither", async () => {
    const reply = await pendingReply();
    const writer = new ReplyWriter(db, reply, bus, systemClock, 1);
    const stored = nextEvent(reply.conversationId);
    writer.write("kept");
    expect((await stored).type).toBe("message.delta");

    const cancelled = await cancel(reply.messageId);
    expect(cancelled).toMatchObject({ ok: true, value: { status: "cancelled", content: "kept" } });
    const logged = await readEventsAfter(db, reply.conversationId, 0, 100);

    const published: LoggedEvent[] = [];
    const unsubscribe = bus.subscribe(reply.conversationId, (event) => published.push(event));
    writer.write(" and late");
    expect(await writer.finish({ status: "done" })).toBe("done");
    unsubscribe();

    expect(await findMessage(db, reply.messageId)).toMatchObject({ status: "cancelled", content: "kept" });
    expect(await readEventsAfter(db, reply.conversationId, 0, 100)).toEqual(logged);
    expect(logged.map((event) => event.type)).toEqual(["message.delta", "message.done"]);
    expect(published).toEqual([]);
  });

  it("leaves an ended reply alone at start, and interrupts only the unfinished ones", async () => {
    const cancelled = await pendingReply();
    await cancel(cancelled.messageId);
    const unfinished = await pendingReply();
    const before = await readEventsAfter(db, cancelled.conversationId, 0, 100);

    // Replies from the tests above are already ended: only the new one is interrupted.
    expect(await interruptUnfinishedReplies(db, bus, new Date())).toBe(1);
    expect(await findMessage(db, cancelled.messageId)).toMatchObject({ status: "cancelled" });
    expect(await readEventsAfter(db, cancelled.conversationId, 0, 100)).toEqual(before);
    expect(await findMessage(db, unfinished.messageId)).toMatchObject({ status: "interrupted" });
    const [done] = await readEventsAfter(db, unfinished.conversationId, 0, 100);
    expect(done).toMatchObject({ type: "message.done", data: expect.stringContaining('"interrupted"') });

    // A cancel that comes after the reply ended claims nothing: 409-worthy, and nothing is logged.
    const late = await cancel(unfinished.messageId);
    expect(late).toMatchObject({ ok: false, problem: { code: "reply-finished", status: "interrupted" } });
    expect(await readEventsAfter(db, unfinished.conversationId, 0, 100)).toHaveLength(1);
  });
});

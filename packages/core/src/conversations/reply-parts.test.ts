import type { Database } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../clock.ts";
import { storedBytes } from "../limits/storage.ts";
import { createInProcessEventBus, readEventsAfter } from "./events.ts";
import { findMessage, insertMessage } from "./messages.ts";
import { ReplyWriter } from "./reply-writer.ts";
import { createConversation } from "./service.ts";
import { databaseWithOwner } from "./test-owner.ts";

/** Issue 9 §3: a reply's tool calls and results, stored as parts of the message. */
describe("ReplyWriter with tool parts", () => {
  let db: Database;
  let ownerId: string;
  const bus = createInProcessEventBus();
  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
  });
  afterAll(() => db.close());

  const pendingReply = async () => {
    const conversation = await createConversation(db, ownerId, { title: "Tools" }, new Date());
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
  const call = {
    type: "tool-call",
    toolCallId: "call_1",
    toolName: "calculator",
    input: '{"expression":"6*7"}',
  } as const;
  const result = {
    type: "tool-result",
    toolCallId: "call_1",
    toolName: "calculator",
    output: "42",
    isError: false,
  } as const;

  it("stores each part at the length of the text before it, and logs it in order with the text", async () => {
    const reply = await pendingReply();
    // A coalescing window far longer than the test: only the parts make the text before them be written.
    const writer = new ReplyWriter(db, reply, bus, systemClock, 60_000);
    writer.write("Let me count.");
    writer.addPart(call);
    writer.addPart(result);
    writer.write(" It is 42.");
    expect(await writer.finish({ status: "done" })).toBe("done");

    const stored = await findMessage(db, reply.messageId);
    expect(stored).toMatchObject({ status: "done", content: "Let me count. It is 42." });
    expect(stored?.parts).toEqual([
      { ...call, offset: 13 },
      { ...result, offset: 13 },
    ]);
    const events = await readEventsAfter(db, reply.conversationId, 0, 100);
    expect(events.map((event) => event.type)).toEqual([
      "message.delta",
      "message.tool-call",
      "message.tool-result",
      "message.delta",
      "message.done",
    ]);
    // The event's type says which part it is; its data is the rest.
    const { type: _call, ...callFacts } = call;
    const { type: _result, ...resultFacts } = result;
    expect(JSON.parse(events[1]?.data as string)).toEqual({ messageId: reply.messageId, ...callFacts, offset: 13 });
    expect(JSON.parse(events[2]?.data as string)).toEqual({ messageId: reply.messageId, ...resultFacts, offset: 13 });
  });

  it("keeps NUL, which jsonb cannot hold, out of what the model wrote", async () => {
    const reply = await pendingReply();
    const writer = new ReplyWriter(db, reply, bus, systemClock, 1);
    writer.addPart({ ...call, toolName: "calc\u0000ulator", input: '{"expression":"1\u0000"}' });
    expect(await writer.finish({ status: "done" })).toBe("done");
    expect((await findMessage(db, reply.messageId))?.parts).toEqual([
      { ...call, toolName: "calculator", input: '{"expression":"1"}', offset: 0 },
    ]);
  });

  it("stores no part once the reply has ended, and logs none", async () => {
    const reply = await pendingReply();
    const writer = new ReplyWriter(db, reply, bus, systemClock, 1);
    await db.query("UPDATE messages SET status = 'cancelled' WHERE id = $1", [reply.messageId]);
    writer.addPart(call);
    await writer.finish({ status: "done" });
    expect(await findMessage(db, reply.messageId)).toMatchObject({ status: "cancelled", parts: null });
    expect(await readEventsAfter(db, reply.conversationId, 0, 100)).toEqual([]);
  });

  it("counts parts towards the owner's storage, and gives the bytes back when the message goes", async () => {
    const reply = await pendingReply();
    const before = await storedBytes(db, ownerId);
    const writer = new ReplyWriter(db, reply, bus, systemClock, 1);
    writer.addPart({ ...result, output: "x".repeat(10_000) });
    await writer.finish({ status: "done" });
    const { rows } = await db.query<{ bytes: number }>(
      "SELECT octet_length(parts::text) AS bytes FROM messages WHERE id = $1",
      [reply.messageId],
    );
    expect(rows[0]?.bytes).toBeGreaterThan(10_000);
    expect(await storedBytes(db, ownerId)).toBe(before + (rows[0]?.bytes as number));
    await db.query("DELETE FROM messages WHERE id = $1", [reply.messageId]);
    expect(await storedBytes(db, ownerId)).toBe(before);
  });
});

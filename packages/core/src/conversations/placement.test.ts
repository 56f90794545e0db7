import type { Database } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../logger.ts";
import { insertMessage } from "./messages.ts";
import { claimReplies } from "./placement.ts";
import { createConversation } from "./service.ts";
import { createSharedEventBus } from "./shared-event-bus.ts";
import { databaseWithOwner } from "./test-owner.ts";

const silent: Logger = { child: () => silent, debug() {}, info() {}, warn() {}, error() {} };
const MODEL = "local/tiny-chat";

describe("placing replies among nodes", () => {
  let db: Database;
  let ownerId: string;
  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
  });
  afterAll(() => db.close());

  /** A question and its pending reply, unleased (handed off), made at `at`. */
  const pendingReply = async (model = MODEL, at = new Date()) => {
    const { id: conversationId } = await createConversation(db, ownerId, {}, at);
    const base = { conversationId, content: "", model: null };
    const question = await insertMessage(
      db,
      { ...base, parentId: null, role: "user", content: "Hi", status: "done" },
      at,
    );
    const reply = await insertMessage(
      db,
      { ...base, parentId: question.id, role: "assistant", status: "pending", model },
      at,
    );
    return { conversationId, questionId: question.id, replyId: reply.id };
  };
  const leaseUntil = () => new Date(Date.now() + 30_000);

  it("lets exactly one of many nodes that race for a handed-off reply claim it, with the job to write it", async () => {
    const { conversationId, questionId, replyId } = await pendingReply();
    const claims = await Promise.all(
      Array.from({ length: 6 }, () =>
        claimReplies(db, { models: [MODEL], leaseUntil: leaseUntil(), messageIds: [replyId] }),
      ),
    );
    expect(claims.flat()).toEqual([{ conversationId, messageId: replyId, userMessageId: questionId, model: MODEL }]);
    // Leased now: nobody claims it again.
    expect(await claimReplies(db, { models: [MODEL], leaseUntil: leaseUntil(), messageIds: [replyId] })).toEqual([]);
  });

  it("claims only replies of the node's own models, and in a sweep only those unclaimed for a while", async () => {
    const other = await pendingReply("local/another-model");
    const fresh = await pendingReply();
    expect(await claimReplies(db, { models: [MODEL], leaseUntil: leaseUntil(), messageIds: [other.replyId] })).toEqual(
      [],
    );
    const sweep = await claimReplies(db, {
      models: [MODEL],
      leaseUntil: leaseUntil(),
      createdBefore: new Date(Date.now() - 60_000),
    });
    expect(sweep.map((job) => job.messageId)).not.toContain(fresh.replyId);
    const old = await pendingReply(MODEL, new Date(Date.now() - 120_000));
    const later = await claimReplies(db, {
      models: [MODEL],
      leaseUntil: leaseUntil(),
      createdBefore: new Date(Date.now() - 60_000),
    });
    expect(later.map((job) => job.messageId)).toContain(old.replyId);
    expect(await claimReplies(db, { models: [], leaseUntil: leaseUntil() })).toEqual([]);
  });

  it("carries a hand-off to the other nodes' listeners, not back to the node that sent it", async () => {
    const buses = ["a", "b", "c"].map((nodeId) => createSharedEventBus({ nodeId, database: () => db, logger: silent }));
    const heard = new Map<string, string[]>();
    buses.forEach((bus, index) => {
      bus.connect({
        send: async (message) => {
          for (const each of buses) each.receive(message);
        },
      });
      bus.onHandOff((messageId, traceParent) =>
        heard.set(String(index), [...(heard.get(String(index)) ?? []), `${messageId} ${traceParent}`]),
      );
    });
    const { replyId } = await pendingReply();
    const traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    buses[0]?.handOff(replyId, traceParent);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const expected = [`${replyId} ${traceParent}`];
    expect(Object.fromEntries(heard)).toEqual({ "1": expected, "2": expected });
    // Not a hand-off: ignored, as any malformed message is.
    buses[1]?.receive(JSON.stringify({ n: "a", r: "not-a-uuid" }));
    buses[1]?.receive(JSON.stringify({ n: "a", r: replyId, t: "<script>" }));
    expect(heard.get("1")).toEqual(expected);
  });
});

import type { Database } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../logger.ts";
import { appendEvents, type LoggedEvent, newEvent } from "./events.ts";
import { createConversation } from "./service.ts";
import { createSharedEventBus, type SharedEventBus } from "./shared-event-bus.ts";
import { databaseWithOwner } from "./test-owner.ts";

const silent: Logger = { child: () => silent, debug() {}, info() {}, warn() {}, error() {} };

const delta = (index: number) =>
  newEvent("message.delta", { messageId: "00000000-0000-4000-8000-000000000001", delta: String(index) });

/**
 * Nodes' buses on one database, joined by a channel that hands every announcement to every bus (as
 * NOTIFY does, the sender's own included), or drops them while `isDown`.
 */
function cluster(db: Database, count: number) {
  const channel = { isDown: false, sent: [] as string[] };
  const buses: SharedEventBus[] = Array.from({ length: count }, (_, index) =>
    createSharedEventBus({ nodeId: `node-${index}`, database: () => db, logger: silent }),
  );
  for (const bus of buses) {
    bus.connect({
      send: async (message) => {
        channel.sent.push(message);
        if (!channel.isDown) for (const each of buses) each.receive(message);
      },
    });
  }
  return { buses, channel };
}

function record(bus: SharedEventBus, conversationId: string) {
  const heard: LoggedEvent[] = [];
  const unsubscribe = bus.subscribe(conversationId, (event) => heard.push(event));
  return { heard, unsubscribe };
}

async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe("the event bus shared by nodes", () => {
  let db: Database;
  let ownerId: string;
  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
  });
  afterAll(() => db.close());

  const conversation = async () => (await createConversation(db, ownerId, {}, new Date())).id;

  it("hands events logged on one node to the others' listeners, in order, once, announcing ids only", async () => {
    const conversationId = await conversation();
    const { buses, channel } = cluster(db, 3);
    const [writer, reader, other] = buses as [SharedEventBus, SharedEventBus, SharedEventBus];
    const here = record(writer, conversationId);
    const there = [record(reader, conversationId), record(reader, conversationId), record(other, conversationId)];
    for (let index = 0; index < 10; index++) {
      writer.publish(await appendEvents(db, conversationId, [delta(index), delta(index + 100)], new Date()));
    }
    const ids = Array.from({ length: 20 }, (_, index) => index + 1);
    await until(() => there.every(({ heard }) => heard.length === 20));
    for (const { heard } of [here, ...there]) expect(heard.map((event) => event.id)).toEqual(ids);
    // An announcement names the node, the conversation and the ids: no payload travels.
    expect(JSON.parse(channel.sent[0] as string)).toEqual({ n: "node-0", c: conversationId, f: 1, l: 2 });
    expect(channel.sent.every((message) => !message.includes("delta"))).toBe(true);
  });

  it("hears nothing for conversations no listener follows, and stops once the last one leaves", async () => {
    const conversationId = await conversation();
    const { buses } = cluster(db, 2);
    const [writer, reader] = buses as [SharedEventBus, SharedEventBus];
    const listener = record(reader, conversationId);
    writer.publish(await appendEvents(db, conversationId, [delta(1)], new Date()));
    await until(() => listener.heard.length === 1);
    listener.unsubscribe();
    writer.publish(await appendEvents(db, conversationId, [delta(2)], new Date()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listener.heard).toHaveLength(1);
  });

  it("catches up after lost announcements: with the next one, or on a resync after a reconnect", async () => {
    const conversationId = await conversation();
    const { buses, channel } = cluster(db, 2);
    const [writer, reader] = buses as [SharedEventBus, SharedEventBus];
    const listener = record(reader, conversationId);
    writer.publish(await appendEvents(db, conversationId, [delta(1)], new Date()));
    await until(() => listener.heard.length === 1);

    channel.isDown = true;
    writer.publish(await appendEvents(db, conversationId, [delta(2), delta(3)], new Date()));
    channel.isDown = false;
    // The next announcement brings the missed events along, from the log.
    writer.publish(await appendEvents(db, conversationId, [delta(4)], new Date()));
    await until(() => listener.heard.length === 4);
    expect(listener.heard.map((event) => event.id)).toEqual([1, 2, 3, 4]);

    channel.isDown = true;
    writer.publish(await appendEvents(db, conversationId, [delta(5)], new Date()));
    channel.isDown = false;
    reader.resync();
    await until(() => listener.heard.length === 5);
    expect(listener.heard.at(-1)?.id).toBe(5);
  });

  it("ignores announcements that are not ones, or name too much", async () => {
    const conversationId = await conversation();
    const [bus] = cluster(db, 1).buses as [SharedEventBus];
    const listener = record(bus, conversationId);
    for (const message of [
      "not json",
      JSON.stringify({ n: "x", c: "not-a-uuid", f: 1, l: 1 }),
      JSON.stringify({ n: "x", c: conversationId, f: 1, l: 5_000_000 }),
      JSON.stringify({ n: "x", c: conversationId, f: 3, l: 1 }),
    ]) {
      bus.receive(message);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listener.heard).toEqual([]);
  });

  it("tells the other nodes of a change by topic, not the node that made it, and again after a reconnect", async () => {
    const { buses, channel } = cluster(db, 3);
    const [maker, other, third] = buses as [SharedEventBus, SharedEventBus, SharedEventBus];
    const heard: string[] = [];
    maker.onNotice("model-settings", () => heard.push("maker"));
    other.onNotice("model-settings", () => heard.push("other"));
    third.onNotice("something-else", () => heard.push("third"));
    maker.notify("model-settings");
    await until(() => heard.length === 1);
    expect(heard).toEqual(["other"]);
    expect(JSON.parse(channel.sent.at(-1) as string)).toEqual({ n: "node-0", k: "model-settings" });
    other.resync();
    expect(heard).toEqual(["other", "other"]);
    for (const message of [JSON.stringify({ n: "x", k: "Not A Topic" }), JSON.stringify({ n: "x", k: "" })])
      other.receive(message);
    expect(heard).toEqual(["other", "other"]);
  });
});

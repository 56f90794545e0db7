import type { Database } from "@hearth/db";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../logger.ts";
import { openEventStream } from "./event-stream.ts";
import { appendEvents, createInProcessEventBus, type EventBus, type LoggedEvent, newEvent } from "./events.ts";
import { createConversation } from "./service.ts";
import { databaseWithOwner } from "./test-owner.ts";

const silent: Logger = { child: () => silent, debug() {}, info() {}, warn() {}, error() {} };

/** A `message.delta` whose text is its index, to tell events apart. */
const delta = (index: number) =>
  newEvent("message.delta", { messageId: "00000000-0000-4000-8000-000000000001", delta: String(index) });

const settings = { heartbeatMs: 60_000, maxBufferedBytes: 1024 * 1024, stallTimeoutMs: 60_000 };

/** Reads `count` events off a stream, parsed as SSE by eventsource-parser. */
async function readEvents(
  stream: ReadableStream<Uint8Array>,
  count: number,
): Promise<{ id: number; type: string | undefined; data: string }[]> {
  const reader = stream.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
  const events: { id: number; type: string | undefined; data: string }[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    events.push({ id: Number(value.id), type: value.event, data: value.data });
  }
  await reader.cancel();
  return events;
}

describe("the event log and its streams", () => {
  let db: Database;
  let ownerId: string;
  beforeAll(async () => {
    ({ db, ownerId } = await databaseWithOwner());
  });
  afterAll(() => db.close());

  const conversation = async () => (await createConversation(db, ownerId, {}, new Date())).id;

  it("numbers events 1, 2, 3… per conversation, even when many writers append at once", async () => {
    const [a, b] = [await conversation(), await conversation()];
    const writes = Array.from({ length: 40 }, (_, index) =>
      appendEvents(db, index % 2 === 0 ? a : b, [delta(index)], new Date()),
    );
    const written = (await Promise.all(writes)).flat();
    for (const conversationId of [a, b]) {
      const ids = written.filter((event) => event.conversationId === conversationId).map((event) => event.id);
      expect(ids.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    }
  });

  it("puts events that were announced out of order back in order, reading the gap from the log", async () => {
    const conversationId = await conversation();
    // A bus that delivers each batch late and in reverse, like two writers racing to publish.
    const inner = createInProcessEventBus();
    const held: LoggedEvent[] = [];
    const racing: EventBus = { publish: (events) => held.push(...events), subscribe: inner.subscribe };
    const stream = openEventStream({
      db,
      bus: racing,
      logger: silent,
      conversationId,
      lastEventId: undefined,
      settings,
    });
    const reading = readEvents(stream, 7);
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (let index = 0; index < 6; index++) {
      racing.publish(await appendEvents(db, conversationId, [delta(index)], new Date()));
    }
    inner.publish(held.reverse());
    const [opened, ...events] = await reading;
    expect(opened).toEqual({ id: 0, type: "stream.opened", data: JSON.stringify({ lastEventId: 0 }) });
    expect(events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events.map((event) => Number(JSON.parse(event.data).delta))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("sends a new client what is committed after it subscribed, even while it reads where the log ends, and says where it starts", async () => {
    const conversationId = await conversation();
    const bus = createInProcessEventBus();
    await appendEvents(db, conversationId, [delta(0)], new Date());
    // The first query (the log's end) waits until an event has been committed and announced.
    let announced!: () => void;
    const afterAnnouncement = new Promise<void>((resolve) => {
      announced = resolve;
    });
    let held = false;
    const slowFirstRead: Database = {
      ...db,
      query: async (sql, params) => {
        if (!held) {
          held = true;
          await afterAnnouncement;
        }
        return db.query(sql, params);
      },
    };
    const stream = openEventStream({
      db: slowFirstRead,
      bus,
      logger: silent,
      conversationId,
      lastEventId: undefined,
      settings,
    });
    const reading = readEvents(stream, 2);
    bus.publish(await appendEvents(db, conversationId, [delta(1)], new Date()));
    announced();
    // stream.opened says where the stream starts: after 1, which the client does not get, so not after 2.
    expect((await reading).map(({ id, type }) => ({ id, type }))).toEqual([
      { id: 1, type: "stream.opened" },
      { id: 2, type: "message.delta" },
    ]);
  });

  it("replays from the log and then goes on live without a gap or a duplicate", async () => {
    const conversationId = await conversation();
    const bus = createInProcessEventBus();
    for (let index = 0; index < 450; index++) {
      await appendEvents(db, conversationId, [delta(index)], new Date());
    }
    const stream = openEventStream({ db, bus, logger: silent, conversationId, lastEventId: 10, settings });
    const reading = readEvents(stream, 450 - 10 + 5);
    for (let index = 450; index < 455; index++) {
      bus.publish(await appendEvents(db, conversationId, [delta(index)], new Date()));
    }
    const events = await reading;
    expect(events.map((event) => event.id)).toEqual(Array.from({ length: 445 }, (_, index) => index + 11));
  });
});

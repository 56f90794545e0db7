/**
 * The Redis adapter against a real redis-server (Debian's; CI installs it): messages reach every
 * listener in order, a crash of Redis is reported and recovered from, and nothing waits on a dead
 * connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Broadcast } from "./broadcast.ts";
import { openRedisBroadcast } from "./redis-broadcast.ts";
import { hasRedisServer, startTestRedis, type TestRedis } from "./testing/redis-server.ts";

interface Listener {
  broadcast: Broadcast;
  messages: string[];
  reconnects: number;
  errors: unknown[];
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.runIf(hasRedisServer() || process.env.CI)("Redis broadcast", () => {
  let redis: TestRedis;
  const opened: Broadcast[] = [];

  const listen = async (channel = "hearth_events"): Promise<Listener> => {
    const listener: Listener = {
      broadcast: undefined as unknown as Broadcast,
      messages: [],
      reconnects: 0,
      errors: [],
    };
    listener.broadcast = await openRedisBroadcast({
      url: redis.url,
      channel,
      onMessage: (message) => listener.messages.push(message),
      onReconnect: () => listener.reconnects++,
      onError: (error) => listener.errors.push(error),
    });
    opened.push(listener.broadcast);
    return listener;
  };

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await Promise.all(opened.map((broadcast) => broadcast.close()));
    await redis.stop();
  });

  it("delivers every message to every listener of the channel, the sender's included, in order", async () => {
    const [a, b, other] = [await listen(), await listen(), await listen("elsewhere")];
    const sent = Array.from({ length: 200 }, (_, index) => `message ${index}`);
    for (const message of sent) await a.broadcast.send(message);
    await until(() => a.messages.length === sent.length && b.messages.length === sent.length, "200 messages each");
    expect(a.messages).toEqual(sent);
    expect(b.messages).toEqual(sent);
    expect(other.messages).toEqual([]);
  });

  it("refuses a message larger than a NOTIFY could carry, so both adapters take the same", async () => {
    const { broadcast } = await listen();
    await expect(broadcast.send("x".repeat(8_000))).rejects.toThrow(/must fit/);
    await broadcast.send("é".repeat(3_999));
  });

  it("after Redis dies, sends fail at once, and once it is back each listener hears again and is told to look up what it missed", async () => {
    const [a, b] = [await listen("crash"), await listen("crash")];
    expect(a.broadcast.isConnected()).toBe(true);
    await redis.kill();
    await until(() => !a.broadcast.isConnected() && !b.broadcast.isConnected(), "the connections to be seen down");
    const started = Date.now();
    await expect(a.broadcast.send("lost")).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_000);
    await redis.start();
    await until(() => a.reconnects === 1 && b.reconnects === 1, "both to reconnect");
    await until(() => a.broadcast.isConnected(), "the publisher to reconnect");
    await a.broadcast.send("after");
    await until(() => b.messages.includes("after"), "a message after the restart");
    expect(b.messages).toEqual(["after"]);
    expect(a.errors.length).toBeGreaterThan(0);
  });

  it("rejects at start when Redis cannot be reached, leaving nothing open", async () => {
    const down = await startTestRedis();
    await down.kill();
    await expect(
      openRedisBroadcast({ url: down.url, channel: "c", onMessage() {}, onReconnect() {}, onError() {} }),
    ).rejects.toThrow();
  });
});

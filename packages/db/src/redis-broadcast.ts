import { Redis } from "ioredis";
import { type Broadcast, type BroadcastOptions, MAX_BROADCAST_BYTES } from "./broadcast.ts";

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The Redis adapter: pub/sub. A connection in subscriber mode can run no other command, so there are
 * two: one listens, one publishes. Both come back by themselves with growing pauses (ioredis), the
 * listener subscribing again before `onReconnect`; a send while the publisher is down fails at once
 * rather than queueing.
 * Resolves once listening; rejects (and closes both) if Redis cannot be reached at start.
 */
export async function openRedisBroadcast(options: BroadcastOptions & { url: string }): Promise<Broadcast> {
  const { url, channel, onMessage, onReconnect, onError } = options;
  const connection = {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt: number) => Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (attempt - 1)),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  };
  // Subscribing again is done here, so that what was missed is looked up only once it is.
  const listener = new Redis(url, { ...connection, autoResubscribe: false, connectionName: "hearth-listen" });
  const publisher = new Redis(url, { ...connection, connectionName: "hearth-publish" });
  let isClosed = false;
  let isListening = false;
  let hasLostListener = false;

  listener.on("message", (from: string, message: string) => {
    if (from === channel) onMessage(message);
  });
  // ioredis reports each failed attempt; the first of a run is enough.
  let isReported = false;
  const report = (error: unknown) => {
    if (isClosed || isReported) return;
    isReported = true;
    onError(error);
  };
  listener.on("error", report);
  publisher.on("error", report);
  listener.on("close", () => {
    if (!isListening || isClosed || hasLostListener) return;
    hasLostListener = true;
    report(new Error("the connection to Redis was lost; reconnecting"));
  });
  listener.on("ready", () => {
    isReported = false;
    if (!hasLostListener || isClosed) return;
    hasLostListener = false;
    listener.subscribe(channel).then(
      () => {
        if (!isClosed) onReconnect();
      },
      // The connection went again: the next "ready" subscribes.
      (error: unknown) => {
        hasLostListener = true;
        report(error);
      },
    );
  });
  publisher.on("ready", () => {
    isReported = false;
  });

  const close = async () => {
    isClosed = true;
    listener.disconnect();
    publisher.disconnect();
  };
  try {
    await Promise.all([listener.connect(), publisher.connect()]);
    await listener.subscribe(channel);
    isListening = true;
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async send(message) {
      if (Buffer.byteLength(message) > MAX_BROADCAST_BYTES) throw new Error("a broadcast message must fit a NOTIFY");
      await publisher.publish(channel, message);
    },
    isConnected: () => listener.status === "ready" && publisher.status === "ready",
    close,
  };
}

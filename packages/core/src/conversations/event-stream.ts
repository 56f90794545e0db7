import type { Database } from "@hearth/db";
import type { Logger } from "../logger.ts";
import type { EventStreamSettings } from "./chat.ts";
import { serializeEventData } from "./event-schemas.ts";
import { type EventBus, eventLogBounds, type LoggedEvent, readEventsAfter } from "./events.ts";

/** Events read from the log per query while a client catches up. */
const PAGE = 200;
const RETRY_MS = 2000;
const encoder = new TextEncoder();

/**
 * Why a stream ended: the client left, could not keep up, the log could not be read, its credential
 * ended, or this node is shutting down (the client reconnects, through the load balancer, to another).
 */
export type EventStreamCloseReason = "client-gone" | "slow-client" | "failed" | "revoked" | "draining";

/** The abort reason that ends a stream because its node drains, not because its credential ended. */
export const DRAINING = Symbol("draining");
/** How soon a client of a draining node should reconnect: at once, spread over this much so they do not all come together. */
const DRAIN_RETRY_SPREAD_MS = 1000;

export interface EventStreamOptions {
  db: Database;
  bus: EventBus;
  logger: Logger;
  conversationId: string;
  /** The last event the client has; undefined starts with what happens next. */
  lastEventId: number | undefined;
  settings: EventStreamSettings;
  /** Called once when the stream opens and once when it ends, with why. */
  onOpen?: () => void;
  onClose?: (reason: EventStreamCloseReason) => void;
  /**
   * Ends the stream when aborted. Its credential ended: the client is sent `stream.closed` with the
   * signal's reason, and nothing committed after that. The reason is `DRAINING`: the stream ends
   * cleanly after a short `retry:`, so the client reconnects with Last-Event-ID and goes on elsewhere.
   */
  signal?: AbortSignal;
  /**
   * Drops the connection. Erroring the stream is not enough for a client that reads nothing: the
   * HTTP server waits for the socket to drain before it reads the stream again, so it never sees it.
   */
  dropConnection?: () => void;
}

/**
 * One client's SSE stream of a conversation's events. The event log is the source of truth: a live
 * event goes straight out when it is the next id and the client has room; otherwise the stream falls
 * back to reading the log from the last id it sent. So a reconnect replays without gaps or
 * duplicates, events that raced each other are put back in order, and memory per client stays
 * within `maxBufferedBytes` whatever the client's speed. A client that takes nothing for
 * `stallTimeoutMs` while events wait is disconnected; it can reconnect and resume.
 */
export function openEventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const { db, bus, conversationId, settings } = options;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let lastSentId = 0;
  let knownId = 0;
  /** The first event heard live, before the log's end was read: "what happens next" starts there. */
  let firstHeardId: number | undefined;
  let reading = false;
  let closed = false;
  let started = false;
  let unsubscribe = () => {};
  let heartbeat: NodeJS.Timeout | undefined;
  let stall: NodeJS.Timeout | undefined;

  const enqueue = (text: string) => controller.enqueue(encoder.encode(text));
  const send = (event: LoggedEvent) => {
    // Set first: an enqueue can call pull() at once, which must not send this event again.
    lastSentId = event.id;
    enqueue(`id: ${event.id}\nevent: ${event.type}\ndata: ${event.data}\n\n`);
  };
  const hasRoom = () => (controller.desiredSize ?? 0) > 0;

  const close = (reason: EventStreamCloseReason, error?: unknown) => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(stall);
    unsubscribe();
    options.signal?.removeEventListener("abort", onAbort);
    if (reason === "draining") {
      enqueue(`retry: ${Math.floor(Math.random() * DRAIN_RETRY_SPREAD_MS)}\n\n`);
      controller.close();
      setTimeout(() => options.dropConnection?.(), settings.stallTimeoutMs).unref();
    } else if (reason === "revoked") {
      const data = serializeEventData("stream.closed", { reason: String(options.signal?.reason) });
      enqueue(`event: stream.closed\ndata: ${data}\n\n`);
      controller.close();
      // A client that reads nothing would keep its connection (though no event reaches it any more).
      setTimeout(() => options.dropConnection?.(), settings.stallTimeoutMs).unref();
    } else if (reason !== "client-gone") {
      if (options.dropConnection) options.dropConnection();
      else controller.error(error ?? new Error(reason));
    }
    options.onClose?.(reason);
  };
  const onAbort = () => close(options.signal?.reason === DRAINING ? "draining" : "revoked");

  const waitForRoom = () => {
    stall ??= setTimeout(() => {
      options.logger.info({ conversationId, lastSentId, knownId }, "event stream client too slow: disconnected");
      close("slow-client");
    }, settings.stallTimeoutMs);
  };

  /** Sends logged events after the last one sent, while the client has room. */
  const catchUp = async () => {
    if (reading || closed || !started) return;
    reading = true;
    try {
      while (!closed && lastSentId < knownId) {
        if (!hasRoom()) {
          waitForRoom();
          return;
        }
        const events = await readEventsAfter(db, conversationId, lastSentId, PAGE);
        if (closed) return;
        for (const event of events) send(event);
        if (events.length < PAGE) break;
      }
    } catch (error) {
      options.logger.warn({ err: error, conversationId }, "event stream failed");
      close("failed", error);
    } finally {
      reading = false;
    }
    // Events announced while the last page was read.
    if (!closed && lastSentId < knownId && hasRoom()) void catchUp();
  };

  const onLive = (event: LoggedEvent) => {
    if (closed) return;
    knownId = Math.max(knownId, event.id);
    if (!started) firstHeardId = Math.min(firstHeardId ?? event.id, event.id);
    if (started && !reading && event.id === lastSentId + 1 && hasRoom()) send(event);
    else if (event.id > lastSentId) void catchUp();
  };

  return new ReadableStream<Uint8Array>(
    {
      async start(streamController) {
        controller = streamController;
        options.onOpen?.();
        if (options.signal?.aborted) {
          onAbort();
          return;
        }
        options.signal?.addEventListener("abort", onAbort, { once: true });
        // Subscribed before the log is read, so nothing falls between the two.
        unsubscribe = bus.subscribe(conversationId, onLive);
        try {
          const bounds = await eventLogBounds(db, conversationId);
          if (closed) return;
          knownId = Math.max(knownId, bounds.lastEventId);
          enqueue(`retry: ${RETRY_MS}\n\n`);
          const wanted = options.lastEventId;
          if (wanted === undefined) {
            // Events committed after the subscription but before the log's end was read are the client's too.
            lastSentId = Math.min(bounds.lastEventId, (firstHeardId ?? Number.POSITIVE_INFINITY) - 1);
            // The client does not know where "next" began: told, it can resume from here after a drop
            // that came before any event, instead of starting over from a later "next".
            const data = serializeEventData("stream.opened", { lastEventId: lastSentId });
            enqueue(`id: ${lastSentId}\nevent: stream.opened\ndata: ${data}\n\n`);
          } else if (isLost(wanted, bounds)) {
            // The log no longer holds what the client missed (or never did): it must reload.
            const data = serializeEventData("conversation.refetch", {
              reason: "The events you missed are no longer kept: reload the conversation.",
              lastEventId: bounds.lastEventId,
            });
            enqueue(`id: ${bounds.lastEventId}\nevent: conversation.refetch\ndata: ${data}\n\n`);
            lastSentId = bounds.lastEventId;
          } else {
            lastSentId = wanted;
          }
        } catch (error) {
          close("failed", error);
          return;
        }
        started = true;
        heartbeat = setInterval(() => {
          if (hasRoom()) enqueue(": heartbeat\n\n");
        }, settings.heartbeatMs);
        void catchUp();
      },
      pull() {
        clearTimeout(stall);
        stall = undefined;
        void catchUp();
      },
      cancel() {
        close("client-gone");
      },
    },
    { highWaterMark: settings.maxBufferedBytes, size: (chunk) => chunk.byteLength },
  );
}

function isLost(lastEventId: number, bounds: { lastEventId: number; firstRetainedId: number | null }): boolean {
  if (lastEventId > bounds.lastEventId) return true;
  if (lastEventId === bounds.lastEventId) return false;
  return bounds.firstRetainedId === null || bounds.firstRetainedId > lastEventId + 1;
}

import type { Queryable } from "@hearth/db";
import { z } from "@hono/zod-openapi";
import type { Logger } from "../logger.ts";
import { createInProcessEventBus, type EventBus, eventLogBounds, type LoggedEvent, readEventsAfter } from "./events.ts";

/** Where the bus sends its announcements: every node's bus receives them (PostgreSQL NOTIFY, Redis pub/sub). */
export interface Announcer {
  send(message: string): Promise<void>;
}

/** The most events one announcement may name: a publish is one reply's batch, far fewer. */
const MAX_ANNOUNCED = 1_000;

/** "Node `n` logged events `f`…`l` of conversation `c`": ids, never payloads. */
const Announcement = z.object({
  n: z.string().max(64),
  c: z.uuid(),
  f: z.number().int().positive(),
  l: z.number().int().positive(),
});
type Announcement = z.infer<typeof Announcement>;
/** "Node `n` does not hold the model of reply `r`: a node that does, write it." */
const HandOff = z.object({
  n: z.string().max(64),
  r: z.uuid(),
  /** The W3C traceparent of the request that asked, so the writing node continues its trace. */
  t: z
    .string()
    .regex(/^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/)
    .optional(),
});
type HandOff = z.infer<typeof HandOff>;
/** "Node `n` changed what topic `k` names (settings, say): read it again." */
const Notice = z.object({ n: z.string().max(64), k: z.string().regex(/^[a-z][a-z-]{0,63}$/) });
type Notice = z.infer<typeof Notice>;
const Message = z.union([Announcement, HandOff, Notice]);

export interface SharedEventBus extends EventBus {
  /** Starts announcing to (and hearing from) other nodes; until then the bus is this process's alone. */
  connect(announcer: Announcer): void;
  /** An announcement from the channel, this node's own included (those are skipped). */
  receive(message: string): void;
  /** Announcements may have been missed (the channel's connection dropped): each followed conversation is read again. */
  resync(): void;
  /** Asks the other nodes to write a reply this node cannot (see placement.ts), in the asking request's trace. */
  handOff(messageId: string, traceParent?: string): void;
  /** Hears hand-offs from other nodes. */
  onHandOff(listener: (messageId: string, traceParent: string | undefined) => void): void;
  /** Tells the other nodes that what `topic` names changed (this node acts on its own change itself). */
  notify(topic: string): void;
  /**
   * Hears other nodes' notices of `topic`; also called after the channel's connection came back,
   * since notices sent meanwhile were missed.
   */
  onNotice(topic: string, listener: () => void): void;
}

/**
 * The event bus of a node among many. Events published here reach this node's streams at once, and
 * are announced to the other nodes by id. A node that hears of events for a conversation its
 * clients follow reads them from the log once, whatever the number of clients, and hands them on in
 * order; streams read the log themselves when they see a gap, so a lost announcement delays events
 * until the next one, or the resync after a reconnect, and never loses them.
 */
export function createSharedEventBus(options: {
  nodeId: string;
  database: () => Queryable | undefined;
  logger: Logger;
}): SharedEventBus {
  const { nodeId, logger } = options;
  const local = createInProcessEventBus();
  const followers = new Map<string, number>();
  /** Per followed conversation, the newest id handed on here, and the read in progress (reads stay in order). */
  const delivered = new Map<string, number>();
  const reading = new Map<string, Promise<void>>();
  let announcer: Announcer | undefined;
  const handOffListeners: ((messageId: string, traceParent: string | undefined) => void)[] = [];
  const noticeListeners = new Map<string, (() => void)[]>();

  const handOn = (conversationId: string, read: (db: Queryable, after: number) => Promise<LoggedEvent[]>) => {
    const previous = reading.get(conversationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const db = options.database();
      if (db === undefined || !followers.has(conversationId)) return;
      const events = await read(db, delivered.get(conversationId) ?? 0);
      for (const event of events) {
        if (event.id <= (delivered.get(conversationId) ?? 0)) continue;
        delivered.set(conversationId, event.id);
        local.publish([event]);
      }
    });
    const settled = next.catch((error: unknown) =>
      logger.warn({ err: error, conversationId }, "reading announced events failed"),
    );
    reading.set(conversationId, settled);
    void settled.then(() => {
      if (reading.get(conversationId) === settled) reading.delete(conversationId);
    });
  };

  const announce = (events: readonly LoggedEvent[]) => {
    if (announcer === undefined) return;
    const byConversation = new Map<string, { f: number; l: number }>();
    for (const event of events) {
      const range = byConversation.get(event.conversationId);
      byConversation.set(
        event.conversationId,
        range === undefined
          ? { f: event.id, l: event.id }
          : { f: Math.min(range.f, event.id), l: Math.max(range.l, event.id) },
      );
    }
    for (const [c, range] of byConversation) {
      const message = JSON.stringify({ n: nodeId, c, ...range } satisfies Announcement);
      announcer.send(message).catch((error: unknown) =>
        // Other nodes' streams go on at the next announcement, or when they reconnect.
        logger.warn({ err: error, conversationId: c }, "announcing events to the other nodes failed"),
      );
    }
  };

  return {
    publish(events) {
      for (const event of events) {
        if (followers.has(event.conversationId) && event.id > (delivered.get(event.conversationId) ?? 0)) {
          delivered.set(event.conversationId, event.id);
        }
      }
      local.publish(events);
      announce(events);
    },
    subscribe(conversationId, listener) {
      followers.set(conversationId, (followers.get(conversationId) ?? 0) + 1);
      const unsubscribe = local.subscribe(conversationId, listener);
      let isSubscribed = true;
      return () => {
        if (!isSubscribed) return;
        isSubscribed = false;
        unsubscribe();
        const left = (followers.get(conversationId) ?? 1) - 1;
        if (left > 0) {
          followers.set(conversationId, left);
        } else {
          followers.delete(conversationId);
          delivered.delete(conversationId);
        }
      };
    },
    connect(next) {
      announcer = next;
    },
    handOff(messageId, traceParent) {
      if (announcer === undefined) return;
      const message: HandOff = { n: nodeId, r: messageId, ...(traceParent ? { t: traceParent } : {}) };
      announcer.send(JSON.stringify(message)).catch((error: unknown) =>
        // The nodes that hold the model also sweep for unclaimed replies: this only delays it.
        logger.warn({ err: error, messageId }, "handing a reply to the other nodes failed"),
      );
    },
    onHandOff(listener) {
      handOffListeners.push(listener);
    },
    notify(topic) {
      if (announcer === undefined) return;
      announcer
        .send(JSON.stringify({ n: nodeId, k: topic } satisfies Notice))
        .catch((error: unknown) => logger.warn({ err: error, topic }, "telling the other nodes of a change failed"));
    },
    onNotice(topic, listener) {
      noticeListeners.set(topic, [...(noticeListeners.get(topic) ?? []), listener]);
    },
    receive(message) {
      let parsed: Announcement | HandOff | Notice;
      try {
        parsed = Message.parse(JSON.parse(message));
      } catch {
        logger.warn({ message: message.slice(0, 200) }, "an announcement that is not one was ignored");
        return;
      }
      if ("k" in parsed) {
        if (parsed.n !== nodeId) for (const listener of noticeListeners.get(parsed.k) ?? []) listener();
        return;
      }
      if ("r" in parsed) {
        if (parsed.n !== nodeId) for (const listener of handOffListeners) listener(parsed.r, parsed.t);
        return;
      }
      const { n, c, f, l } = parsed;
      if (n === nodeId || !followers.has(c) || l < f || l - f >= MAX_ANNOUNCED) return;
      handOn(c, (db, after) => {
        // From what was handed on last, so events whose announcement was lost come along too.
        const from = after >= f - 1 || (after > 0 && l - after <= MAX_ANNOUNCED) ? after : f - 1;
        return from >= l ? Promise.resolve([]) : readEventsAfter(db, c, from, l - from);
      });
    },
    resync() {
      for (const listeners of noticeListeners.values()) for (const listener of listeners) listener();
      for (const conversationId of followers.keys()) {
        // The newest event is enough: a stream that sees it is ahead of what it sent reads the gap.
        handOn(conversationId, async (db) => {
          const { lastEventId } = await eventLogBounds(db, conversationId);
          return lastEventId === 0 ? [] : readEventsAfter(db, conversationId, lastEventId - 1, 1);
        });
      }
    },
  };
}

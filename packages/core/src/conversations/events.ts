import type { Queryable } from "@hearth/db";
import { type ConversationEventType, type EventData, serializeEventData } from "./event-schemas.ts";

/**
 * The events written to a conversation's log; the stream adds `conversation.refetch`, `stream.opened`
 * and `stream.closed` itself. Every event is written to the log (`conversation_events`) before anyone
 * hears of it, under an id that is strictly increasing per conversation, so a client that reconnects
 * with Last-Event-ID replays exactly what it missed.
 */
export type LoggedEventType = Exclude<
  ConversationEventType,
  "conversation.refetch" | "stream.opened" | "stream.closed"
>;

export interface NewEvent {
  type: LoggedEventType;
  /** The event's JSON payload, checked against its schema and serialised once. */
  data: string;
}

/** An event as logged: with its conversation and its id there. */
export interface LoggedEvent extends NewEvent {
  conversationId: string;
  id: number;
}

/** An event to log; `data` must match the type's schema (see event-schemas.ts), else this throws. */
export const newEvent = <Type extends LoggedEventType>(type: Type, data: EventData<Type>): NewEvent => ({
  type,
  data: serializeEventData(type, data),
});

/**
 * Tells live subscribers about committed events. Published only after the events are in the log,
 * so a subscriber that sees a gap in the ids can read the missing ones from the log. In-process by
 * default; a cluster plugs in LISTEN/NOTIFY or Redis behind the same two calls.
 */
export interface EventBus {
  publish(events: readonly LoggedEvent[]): void;
  subscribe(conversationId: string, listener: (event: LoggedEvent) => void): () => void;
}

export function createInProcessEventBus(): EventBus {
  const listeners = new Map<string, Set<(event: LoggedEvent) => void>>();
  return {
    publish(events) {
      for (const event of events) {
        for (const listener of listeners.get(event.conversationId) ?? []) listener(event);
      }
    },
    subscribe(conversationId, listener) {
      let set = listeners.get(conversationId);
      if (set === undefined) {
        set = new Set();
        listeners.set(conversationId, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(conversationId);
      };
    },
  };
}

/**
 * The statement that numbers and stores events: it bumps the conversation's `last_event_id` (whose
 * row lock orders concurrent writers) and inserts the events under the ids it took. `prefix` may add
 * data-modifying CTEs that must commit with the events (the message change they report); parameters
 * $1–$4 are the conversation, the event types, their data and the time, so `prefix` starts at $5.
 * When `requires` names one of those CTEs, nothing is logged unless it returned a row.
 */
const appendSql = (prefix = "", requires?: string) => `
WITH ${prefix}
bump AS (
  UPDATE conversations SET last_event_id = last_event_id + cardinality($2::text[])
  WHERE id = $1 ${requires === undefined ? "" : `AND EXISTS (SELECT 1 FROM ${requires})`} RETURNING last_event_id
)
INSERT INTO conversation_events (conversation_id, id, type, data, created_at)
SELECT $1, bump.last_event_id - cardinality($2::text[]) + e.ord, e.type, e.data, $4
FROM bump, unnest($2::text[], $3::text[]) WITH ORDINALITY AS e (type, data, ord)
RETURNING id`;

/**
 * Appends events to a conversation's log and returns them with their ids, in order. `also.requires`
 * makes the events conditional on the change they report: a CTE of `also.sql` with `RETURNING` that
 * must return a row, else nothing is logged and none are returned.
 */
export async function appendEvents(
  db: Queryable,
  conversationId: string,
  events: readonly NewEvent[],
  now: Date,
  also?: { sql: string; params: readonly unknown[]; requires?: string },
): Promise<LoggedEvent[]> {
  const sql = also === undefined ? appendSql() : appendSql(`${also.sql},`, also.requires);
  const { rows } = await db.query<{ id: number }>(sql, [
    conversationId,
    events.map((event) => event.type),
    events.map((event) => event.data),
    now,
    ...(also?.params ?? []),
  ]);
  if (rows.length === 0) return [];
  const ids = rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  return events.map((event, index) => ({ ...event, conversationId, id: ids[index] as number }));
}

/** Up to `limit` logged events after `afterId`, oldest first. */
export async function readEventsAfter(
  db: Queryable,
  conversationId: string,
  afterId: number,
  limit: number,
): Promise<LoggedEvent[]> {
  const { rows } = await db.query<{ id: number; type: LoggedEventType; data: string }>(
    `SELECT id, type, data FROM conversation_events
     WHERE conversation_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [conversationId, afterId, limit],
  );
  return rows.map((row) => ({ conversationId, id: Number(row.id), type: row.type, data: row.data }));
}

/** The newest event id, and the oldest one the log still holds (null when it holds none). */
export async function eventLogBounds(
  db: Queryable,
  conversationId: string,
): Promise<{ lastEventId: number; firstRetainedId: number | null }> {
  const { rows } = await db.query<{ last_event_id: number; first_retained_id: number | null }>(
    `SELECT last_event_id,
       (SELECT min(id) FROM conversation_events WHERE conversation_id = $1) AS first_retained_id
     FROM conversations WHERE id = $1`,
    [conversationId],
  );
  const row = rows[0];
  return {
    lastEventId: Number(row?.last_event_id ?? 0),
    firstRetainedId: row?.first_retained_id == null ? null : Number(row.first_retained_id),
  };
}

/** Drops logged events older than `before`; clients further behind are told to refetch. */
export async function pruneEvents(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM conversation_events WHERE created_at < $1", [before]);
  return rowCount;
}

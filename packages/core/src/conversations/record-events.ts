/**
 * @module The one way conversation events are written: appended to the log with the change they
 * report, and published to live streams only once that change is committed. Publishing inside a
 * transaction would tell a stream of rows that a rollback can still take back, and a reader that
 * follows the event up would not find them.
 */
import type { Database, Queryable } from "@hearth/db";
import { appendEvents, type EventBus, type LoggedEvent, type NewEvent } from "./events.ts";

/** A change the events report, written by the same statement (see `appendEvents`). */
export interface EventCondition {
  sql: string;
  params: readonly unknown[];
  /** The CTE that must return a row for the events to be logged. */
  requires?: string;
}

export interface EventLog {
  /** Appends events within the transaction; they are published once it commits. */
  append(conversationId: string, events: readonly NewEvent[], also?: EventCondition): Promise<LoggedEvent[]>;
}

/**
 * Runs `work` in a transaction whose events are published after it commits (and never if it rolls
 * back or `work` throws). What `work` returns is returned.
 */
export async function recordInTransaction<T>(
  db: Database,
  bus: EventBus,
  now: Date,
  work: (tx: Queryable, log: EventLog) => Promise<T>,
): Promise<T> {
  const appended: LoggedEvent[] = [];
  const result = await db.transaction((tx) =>
    work(tx, {
      async append(conversationId, events, also) {
        const stored = await appendEvents(tx, conversationId, events, now, also);
        appended.push(...stored);
        return stored;
      },
    }),
  );
  bus.publish(appended);
  return result;
}

/**
 * Appends events in one statement, with the change they report (`also`), and publishes what was
 * logged: one statement commits on its own, so no transaction is opened for it. Takes the database,
 * not a transaction, so it cannot publish what a transaction has yet to commit.
 */
export async function recordEvents(
  db: Database,
  bus: EventBus,
  now: Date,
  conversationId: string,
  events: readonly NewEvent[],
  also?: EventCondition,
): Promise<LoggedEvent[]> {
  const stored = await appendEvents(db, conversationId, events, now, also);
  bus.publish(stored);
  return stored;
}

/** @module This node's open event streams: who holds them, with which credential, and how many each user has. */
import type { Database, Queryable } from "@hearth/db";
import {
  credentialKey,
  endedCredentials,
  type HeldCredential,
  whyCredentialEnded,
} from "../accounts/held-credentials.ts";
import type { Revocation } from "../accounts/revocations.ts";
import type { SessionPolicy } from "../accounts/sessions.ts";
import type { Clock } from "../clock.ts";
import { type LimitProblem, limitProblems } from "../limits/problems.ts";
import type { Logger } from "../logger.ts";
import { fail, ok, type Result } from "../problems.ts";
import { DRAINING } from "./event-stream.ts";

export interface StreamRegistrySettings {
  /** How often every open stream's credential is checked against the database again. */
  checkIntervalMs: number;
  session: SessionPolicy;
}

/** A stream let in: abort `signal` ends it (its reason says why); `release` when it has ended. */
export interface StreamTicket {
  id: string;
  signal: AbortSignal;
  release(): void;
}

interface OpenStream {
  userId: string;
  credential: HeldCredential;
  controller: AbortController;
}

/**
 * Every open stream is a row of `event_streams` while it lasts, so a user's streams are counted
 * across every node, and a stream remembers the credential it was opened with. `check` re-checks
 * all of this node's credentials in one query and ends the streams whose credential ended, on
 * whichever node it was revoked; `revoke` ends them at once for a revocation made on this node. A
 * node that dies stops refreshing its rows' `seen_at`, so they stop counting by themselves.
 */
export class StreamRegistry {
  readonly #streams = new Map<string, OpenStream>();

  constructor(private readonly deps: { clock: Clock; logger: Logger; settings: StreamRegistrySettings }) {}

  /** Rows not refreshed for this long belong to a node that is gone: they no longer count. */
  get #staleAfterMs(): number {
    return Math.max(3 * this.deps.settings.checkIntervalMs, 15_000);
  }

  get size(): number {
    return this.#streams.size;
  }

  /**
   * Lets a stream in unless its user has `limit` open already (on any node). The user's row is
   * locked first, so concurrent opens by one user are counted one after another.
   */
  async admit(
    db: Database,
    owner: { userId: string; credential: HeldCredential },
    limit: number,
  ): Promise<Result<StreamTicket, LimitProblem>> {
    const now = this.deps.clock.now();
    const admitted = await db.transaction(async (tx): Promise<Result<string, LimitProblem>> => {
      await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [owner.userId]);
      const { rows } = await tx.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM event_streams WHERE user_id = $1 AND seen_at > $2",
        [owner.userId, new Date(now.getTime() - this.#staleAfterMs)],
      );
      if ((rows[0]?.count ?? 0) >= limit) return fail(tooManyStreams(limit));
      const inserted = await tx.query<{ id: string }>(
        "INSERT INTO event_streams (user_id, opened_at, seen_at) VALUES ($1, $2, $2) RETURNING id",
        [owner.userId, now],
      );
      return ok((inserted.rows[0] as { id: string }).id);
    });
    if (!admitted.ok) return admitted;
    const id = admitted.value;
    const controller = new AbortController();
    this.#streams.set(id, { ...owner, controller });
    return ok({ id, signal: controller.signal, release: () => this.#release(db, id) });
  }

  /** Ends, at once, this node's streams held with a credential revoked here. */
  revoke(revocation: Revocation): void {
    for (const stream of this.#streams.values()) {
      const matches =
        revocation.via === "user"
          ? stream.userId === revocation.userId
          : credentialKey(stream.credential) === credentialKey(revocation);
      if (matches) stream.controller.abort(whyCredentialEnded(stream.credential));
    }
  }

  /** Ends every stream of this node, which is shutting down: their clients reconnect to another. */
  drain(): void {
    for (const stream of this.#streams.values()) stream.controller.abort(DRAINING);
  }

  /** Ends the streams whose credential no longer holds, and marks the others as still open. */
  async check(db: Queryable): Promise<void> {
    if (this.#streams.size === 0) return;
    const now = this.deps.clock.now();
    const streams = [...this.#streams];
    const ended = new Set(
      (
        await endedCredentials(
          db,
          unique(streams.map(([, stream]) => stream.credential)),
          this.deps.settings.session,
          now,
        )
      ).map(credentialKey),
    );
    for (const [, stream] of streams) {
      if (ended.has(credentialKey(stream.credential))) stream.controller.abort(whyCredentialEnded(stream.credential));
    }
    const open = streams.filter(([, stream]) => !stream.controller.signal.aborted).map(([id]) => id);
    if (open.length > 0)
      await db.query("UPDATE event_streams SET seen_at = $2 WHERE id = ANY($1::uuid[])", [open, now]);
  }

  #release(db: Queryable, id: string): void {
    if (!this.#streams.delete(id)) return;
    db.query("DELETE FROM event_streams WHERE id = $1", [id]).catch((error: unknown) =>
      // The row stops counting once it is stale; housekeeping deletes it later.
      this.deps.logger.warn({ err: error, streamId: id }, "forgetting a closed event stream failed"),
    );
  }
}

/** Deletes the rows of streams that no node has refreshed since `before` (their node is gone). */
export async function pruneEventStreams(db: Queryable, before: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM event_streams WHERE seen_at < $1", [before]);
  return rowCount;
}

function tooManyStreams(limit: number): LimitProblem {
  const whatToDo = "Close a stream you no longer read (another tab or client), or ask an admin to raise the limit.";
  return limitProblems.limitExceeded("eventStreams", limit, whatToDo);
}

function unique(credentials: HeldCredential[]): HeldCredential[] {
  return [...new Map(credentials.map((credential) => [credentialKey(credential), credential])).values()];
}

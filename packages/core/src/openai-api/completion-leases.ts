/**
 * @module Caps the /v1 completions one user has running at once, across every node, so nobody can fill
 * a model's queue (as `chat.maxRepliesInProgress` does for conversation replies).
 */
import type { Database } from "@hearth/db";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import { fail, ok, type Result } from "../problems.ts";
import { type OpenAiApiProblem, openAiApiProblems } from "./problems.ts";

/** A running completion's row is refreshed this often. */
const REFRESH_MS = 10_000;
/** Rows not refreshed for this long belong to a node that is gone: they no longer count. */
const STALE_AFTER_MS = 6 * REFRESH_MS;

/**
 * A completion let in; `release` once it has stopped generating (more than once is harmless). The
 * release resolves once the completion no longer counts, and never rejects.
 */
export interface CompletionLease {
  release(): Promise<void>;
}

/**
 * Lets a completion in unless its user has `limit` running on any node. The user's row is locked
 * first, so one user's concurrent requests are counted one after another.
 */
export async function admitCompletion(
  deps: { db: Database; clock: Clock; logger: Logger },
  userId: string,
  limit: number,
): Promise<Result<CompletionLease, OpenAiApiProblem>> {
  const { db, clock, logger } = deps;
  const now = clock.now();
  const admitted = await db.transaction(async (tx): Promise<Result<string, OpenAiApiProblem>> => {
    await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [userId]);
    // A user's stale rows are cleared here, under their lock: no other housekeeping is needed.
    await tx.query("DELETE FROM completions_in_progress WHERE user_id = $1 AND seen_at <= $2", [
      userId,
      new Date(now.getTime() - STALE_AFTER_MS),
    ]);
    const { rows } = await tx.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM completions_in_progress WHERE user_id = $1",
      [userId],
    );
    if ((rows[0]?.count ?? 0) >= limit) return fail(openAiApiProblems.tooManyCompletions(limit));
    const inserted = await tx.query<{ id: string }>(
      "INSERT INTO completions_in_progress (user_id, started_at, seen_at) VALUES ($1, $2, $2) RETURNING id",
      [userId, now],
    );
    return ok((inserted.rows[0] as { id: string }).id);
  });
  if (!admitted.ok) return admitted;
  const id = admitted.value;
  const refresh = setInterval(() => {
    db.query("UPDATE completions_in_progress SET seen_at = $2 WHERE id = $1", [id, clock.now()]).catch(
      (error: unknown) => logger.warn({ err: error, completionId: id }, "refreshing a running completion failed"),
    );
  }, REFRESH_MS);
  refresh.unref();
  let released: Promise<void> | undefined;
  return ok({
    release() {
      clearInterval(refresh);
      released ??= db.query("DELETE FROM completions_in_progress WHERE id = $1", [id]).then(
        () => undefined,
        // The row stops counting once it is stale.
        (error: unknown) => logger.warn({ err: error, completionId: id }, "forgetting a finished completion failed"),
      );
      return released;
    },
  });
}

/**
 * @module The durable job queue's storage: work that must survive restarts and run once among many
 * nodes, in the database every node shares (a table claimed with FOR UPDATE SKIP LOCKED, the
 * equivalent DESIGN.md allows of pg-boss: it runs the same on PGlite and PostgreSQL, in our
 * migrations, with times from the caller's clock). See job-worker.ts for who runs them.
 */
import type { Queryable } from "@hearth/db";
import { decodeCursor, encodeCursor } from "../pagination.ts";

export type JobState = "queued" | "running" | "done" | "dead";

export interface JobRow {
  id: string;
  queue: string;
  payload: unknown;
  state: JobState;
  singleton_key: string | null;
  attempts: number;
  max_attempts: number;
  run_after: Date;
  lease_until: Date | null;
  locked_by: string | null;
  last_error: string | null;
  progress: unknown;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const COLUMNS =
  "id, queue, payload, state, singleton_key, attempts, max_attempts, run_after, lease_until, locked_by, last_error, progress, created_at, started_at, finished_at";

/** Attempts a job gets unless its queue says otherwise. */
const DEFAULT_MAX_ATTEMPTS = 5;
/** The first retry waits this long; each next one twice as long, up to MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 60 * 60 * 1000;
/** Error text kept per job: enough to read, not a log. */
const MAX_ERROR_CHARS = 2000;

/** How long to wait before attempt `attempts + 1`, after `attempts` failed. */
export const backoffMs = (attempts: number): number =>
  Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));

export interface NewJob {
  queue: string;
  payload?: unknown;
  /** While a job of this queue with this key is queued or running, enqueueing another is a no-op. */
  singletonKey?: string;
  maxAttempts?: number;
  /** Not before then; now by default. */
  runAfter?: Date;
}

/**
 * Ends the leases of every running job, so they are claimed again at once: for a start on the embedded
 * database, which only one process opens, so whatever is running there was run by a process now gone.
 * How many.
 */
export async function expireJobLeases(db: Queryable, now: Date): Promise<number> {
  const { rows } = await db.query("UPDATE jobs SET lease_until = $1 WHERE state = 'running' RETURNING id", [now]);
  return rows.length;
}

/** Adds a job; its id, or undefined when a job with its singleton key is already queued or running. */
export async function enqueueJob(db: Queryable, job: NewJob, now: Date): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO jobs (queue, payload, singleton_key, max_attempts, run_after, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (queue, singleton_key) WHERE singleton_key IS NOT NULL AND state IN ('queued', 'running') DO NOTHING
     RETURNING id`,
    [
      job.queue,
      JSON.stringify(job.payload ?? {}),
      job.singletonKey ?? null,
      job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      job.runAfter ?? now,
      now,
    ],
  );
  return rows[0]?.id;
}

/**
 * Claims up to `limit` jobs of `queues` that are due, or whose lease ran out (their node stopped), for
 * `nodeId` until `now + leaseMs`; each claim is an attempt. Jobs out of attempts whose lease ran out
 * are dead instead. Two nodes claiming at once never get the same job (SKIP LOCKED).
 */
export async function claimJobs(
  db: Queryable,
  claim: { queues: readonly string[]; limit: number; nodeId: string; leaseMs: number },
  now: Date,
): Promise<JobRow[]> {
  if (claim.queues.length === 0 || claim.limit < 1) return [];
  await db.query(
    `UPDATE jobs SET state = 'dead', finished_at = $2, lease_until = NULL,
       last_error = 'The node running it stopped before it finished, on its last attempt.'
     WHERE state = 'running' AND lease_until < $2 AND attempts >= max_attempts AND queue = ANY($1)`,
    [claim.queues, now],
  );
  const { rows } = await db.query<JobRow>(
    `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $4, locked_by = $3, started_at = $2,
       last_error = CASE WHEN state = 'running' THEN 'The node running it stopped before it finished.' ELSE last_error END
     WHERE id IN (
       SELECT id FROM jobs
       WHERE queue = ANY($1) AND ((state = 'queued' AND run_after <= $2) OR (state = 'running' AND lease_until < $2))
       ORDER BY run_after, created_at, id
       LIMIT $5
       FOR UPDATE SKIP LOCKED
     )
     RETURNING ${COLUMNS}`,
    [claim.queues, now, claim.nodeId, new Date(now.getTime() + claim.leaseMs), claim.limit],
  );
  // RETURNING keeps no order: the oldest due first, as claimed.
  return rows.sort(
    (a, b) =>
      a.run_after.getTime() - b.run_after.getTime() ||
      a.created_at.getTime() - b.created_at.getTime() ||
      a.id.localeCompare(b.id),
  );
}

/** Keeps the leases of jobs still running on this node. */
export async function renewJobLeases(
  db: Queryable,
  jobs: readonly { id: string; attempts: number }[],
  until: Date,
): Promise<void> {
  if (jobs.length === 0) return;
  await db.query(
    `UPDATE jobs SET lease_until = $3 FROM unnest($1::uuid[], $2::int[]) AS held (id, attempts)
     WHERE jobs.id = held.id AND jobs.attempts = held.attempts AND jobs.state = 'running'`,
    [jobs.map((job) => job.id), jobs.map((job) => job.attempts), until],
  );
}

/**
 * Ends an attempt. The attempt number fences it: a node that lost the lease (another took the job over)
 * changes nothing. `failed`: retried after backoff while attempts are left, else dead. `released`:
 * the node is stopping; the job is queued again at once, the attempt not counted.
 */
export async function finishJob(
  db: Queryable,
  job: { id: string; attempts: number },
  outcome: { status: "done" } | { status: "failed"; error: string } | { status: "released" },
  now: Date,
): Promise<void> {
  if (outcome.status === "done") {
    await db.query(
      `UPDATE jobs SET state = 'done', finished_at = $3, lease_until = NULL, last_error = NULL
       WHERE id = $1 AND attempts = $2 AND state = 'running'`,
      [job.id, job.attempts, now],
    );
  } else if (outcome.status === "released") {
    await db.query(
      `UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_after = $3, lease_until = NULL, locked_by = NULL
       WHERE id = $1 AND attempts = $2 AND state = 'running'`,
      [job.id, job.attempts, now],
    );
  } else {
    await db.query(
      `UPDATE jobs SET lease_until = NULL, last_error = $3,
         state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
         finished_at = CASE WHEN attempts >= max_attempts THEN $4::timestamptz ELSE NULL END,
         run_after = $5
       WHERE id = $1 AND attempts = $2 AND state = 'running'`,
      [
        job.id,
        job.attempts,
        outcome.error.slice(0, MAX_ERROR_CHARS),
        now,
        new Date(now.getTime() + backoffMs(job.attempts)),
      ],
    );
  }
}

/** Records what a running job says of its progress (for admins). */
export async function reportJobProgress(
  db: Queryable,
  job: { id: string; attempts: number },
  progress: unknown,
): Promise<void> {
  await db.query("UPDATE jobs SET progress = $3 WHERE id = $1 AND attempts = $2 AND state = 'running'", [
    job.id,
    job.attempts,
    JSON.stringify(progress),
  ]);
}

/** An admin's retry of a dead job (or a queued one waiting out its backoff): queued now, attempts afresh. */
export async function retryJob(db: Queryable, id: string, now: Date): Promise<JobRow | "not-found" | JobState> {
  const { rows } = await db.query<JobRow>(
    `UPDATE jobs SET state = 'queued', attempts = 0, run_after = $2, finished_at = NULL
     WHERE id = $1 AND (state = 'dead' OR (state = 'queued' AND last_error IS NOT NULL)) RETURNING ${COLUMNS}`,
    [id, now],
  );
  if (rows[0] !== undefined) return rows[0];
  const { rows: found } = await db.query<{ state: JobState }>("SELECT state FROM jobs WHERE id = $1", [id]);
  return found[0]?.state ?? "not-found";
}

export async function findJob(db: Queryable, id: string): Promise<JobRow | undefined> {
  const { rows } = await db.query<JobRow>(`SELECT ${COLUMNS} FROM jobs WHERE id = $1`, [id]);
  return rows[0];
}

/** How many jobs each queue has in each state. */
export async function countJobs(
  db: Queryable,
): Promise<{ queue: string; queued: number; running: number; done: number; dead: number }[]> {
  const { rows } = await db.query<{ queue: string; state: JobState; count: number }>(
    "SELECT queue, state, count(*)::int AS count FROM jobs GROUP BY queue, state ORDER BY queue",
  );
  const byQueue = new Map<string, { queue: string; queued: number; running: number; done: number; dead: number }>();
  for (const row of rows) {
    const counts = byQueue.get(row.queue) ?? { queue: row.queue, queued: 0, running: 0, done: 0, dead: 0 };
    counts[row.state] = row.count;
    byQueue.set(row.queue, counts);
  }
  return [...byQueue.values()];
}

/** Jobs newest first, of one state and queue where given, by keyset on (created_at, id). */
export async function listJobs(
  db: Queryable,
  filter: { state?: JobState | undefined; queue?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ rows: JobRow[]; nextCursor: string | null }> {
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  const { rows } = await db.query<JobRow>(
    `SELECT ${COLUMNS} FROM jobs
     WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR queue = $2)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [filter.state ?? null, filter.queue ?? null, after?.at ?? null, after?.id ?? null, filter.limit + 1],
  );
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor: rows.length > filter.limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
  };
}

/** Forgets finished jobs: done ones after `doneBefore`, dead ones after `deadBefore`. */
export async function pruneJobs(db: Queryable, doneBefore: Date, deadBefore: Date): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM jobs WHERE (state = 'done' AND finished_at < $1) OR (state = 'dead' AND finished_at < $2)`,
    [doneBefore, deadBefore],
  );
  return rowCount;
}

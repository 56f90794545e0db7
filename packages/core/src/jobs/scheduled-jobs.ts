/** @module Recurring jobs that run once per period across every node sharing the database. */
import type { Queryable } from "@hearth/db";
import { SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("hearth");

/** How long the record of a run is kept. */
const RUN_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * Claims this period's run of job `name`: true for exactly one caller among all nodes, which must then
 * run it. The claim moves `next_run_at` one period on in a single conditional UPDATE, so two nodes
 * that look at once cannot both win, and a node that dies mid-run leaves the next period to whoever
 * looks first then.
 */
export async function claimScheduledRun(db: Queryable, name: string, periodMs: number, now: Date): Promise<boolean> {
  await db.query("INSERT INTO scheduled_jobs (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", [
    name,
    now,
  ]);
  const { rowCount } = await db.query(
    "UPDATE scheduled_jobs SET next_run_at = $2 WHERE name = $1 AND next_run_at <= $3",
    [name, new Date(now.getTime() + periodMs), now],
  );
  return rowCount === 1;
}

/**
 * Runs `work` if this node claims the period (see `claimScheduledRun`), and records the run: when,
 * where, and how it ended. Resolves with whether it ran here.
 */
export async function runScheduled(
  db: Queryable,
  job: { name: string; periodMs: number; nodeId: string; now: () => Date },
  work: () => Promise<unknown>,
): Promise<boolean> {
  const claimedAt = job.now();
  if (!(await claimScheduledRun(db, job.name, job.periodMs, claimedAt))) return false;
  const { rows } = await db.query<{ id: string }>(
    "INSERT INTO job_runs (name, node_id, started_at) VALUES ($1, $2, $3) RETURNING id",
    [job.name, job.nodeId, claimedAt],
  );
  const id = (rows[0] as { id: string }).id;
  // A span of its own (a trace of its own: no request asked for it), its queries within it.
  return tracer.startActiveSpan(`job ${job.name}`, { attributes: { "hearth.job": job.name } }, async (span) => {
    let error: string | null = null;
    try {
      await work();
    } catch (failure) {
      error = (failure as Error).message ?? String(failure);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      throw failure;
    } finally {
      await db.query("UPDATE job_runs SET finished_at = $2, error = $3 WHERE id = $1", [id, job.now(), error]);
      span.end();
    }
    return true;
  });
}

/** Forgets runs recorded before the retention period. */
export async function pruneJobRuns(db: Queryable, now: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM job_runs WHERE started_at < $1", [
    new Date(now.getTime() - RUN_RETENTION_MS),
  ]);
  return rowCount;
}

/** @module Admins see the durable job queue: how many jobs each queue holds in each state, the jobs, and retry dead ones. */
import { createRoute, z } from "@hono/zod-openapi";
import { IdParam } from "../accounts/schema.ts";
import { createRouter } from "../http/create-router.ts";
import { asAdmin, jsonContent, problems } from "../http/route-helpers.ts";
import { PageQuery } from "../pagination.ts";
import { raise } from "../problems.ts";
import { findJob, type JobRow, listJobs, countJobs as readCounts, retryJob } from "./job-queue.ts";
import { jobsProblems } from "./problems.ts";

const tags = ["admin", "jobs"];

const JobState = z.enum(["queued", "running", "done", "dead"]).openapi("JobState", {
  description:
    "`queued` (waiting, maybe for its retry after a failure: see `lastError` and `runAfter`), `running`, `done`, " +
    "or `dead` (out of attempts: an admin may retry it).",
});

const Job = z
  .object({
    id: z.uuid(),
    queue: z.string(),
    state: JobState,
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    runAfter: z.iso.datetime().openapi({ description: "Not run before then (a retry waits out its backoff)." }),
    lastError: z.string().nullable(),
    progress: z.unknown().openapi({ description: "What the job last said of its progress; null: nothing yet." }),
    payload: z.unknown(),
    node: z.string().nullable().openapi({ description: "The node that ran (or runs) its latest attempt." }),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().nullable(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .openapi("Job");

const QueueCounts = z
  .object({
    queue: z.string(),
    queued: z.number().int(),
    running: z.number().int(),
    done: z.number().int(),
    dead: z.number().int(),
  })
  .openapi("QueueCounts");

const JobPage = z
  .object({ counts: z.array(QueueCounts), data: z.array(Job), nextCursor: z.string().nullable() })
  .openapi("JobPage");

const JobListQuery = PageQuery.extend({
  state: JobState.optional(),
  queue: z.string().max(100).optional(),
});

const present = (row: JobRow): z.infer<typeof Job> => ({
  id: row.id,
  queue: row.queue,
  state: row.state,
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
  runAfter: row.run_after.toISOString(),
  lastError: row.last_error,
  progress: row.progress ?? null,
  payload: row.payload,
  node: row.locked_by,
  createdAt: row.created_at.toISOString(),
  startedAt: row.started_at?.toISOString() ?? null,
  finishedAt: row.finished_at?.toISOString() ?? null,
});

const list = createRoute({
  method: "get",
  path: "/api/admin/jobs",
  tags,
  summary: "The job queue: counts per queue and state, and the jobs newest first",
  description:
    "Filter by `state` (`dead` lists the failures to look at) and `queue`. Finished jobs are kept a week, dead ones a month.",
  ...asAdmin,
  request: { query: JobListQuery },
  responses: { 200: jsonContent(JobPage, "Counts and a page of jobs") },
});

const get = createRoute({
  method: "get",
  path: "/api/admin/jobs/{id}",
  tags,
  summary: "One job",
  ...asAdmin,
  request: { params: IdParam },
  responses: { 200: jsonContent(Job, "The job") },
  ...problems("job-not-found"),
});

const retry = createRoute({
  method: "post",
  path: "/api/admin/jobs/{id}/retry",
  tags,
  summary: "Retry a dead job (or one waiting out its backoff) now, with its attempts afresh",
  ...asAdmin,
  request: { params: IdParam },
  responses: { 200: jsonContent(Job, "Queued again") },
  ...problems("job-not-found", "job-not-retryable"),
});

export const jobRoutes = createRouter()
  .openapi(list, async (c) => {
    const query = c.req.valid("query");
    const page = await listJobs(c.var.db, query);
    return c.json(
      { counts: await readCounts(c.var.db), data: page.rows.map(present), nextCursor: page.nextCursor },
      200,
    );
  })
  .openapi(get, async (c) => {
    const { id } = c.req.valid("param");
    const row = await findJob(c.var.db, id);
    if (row === undefined) raise(jobsProblems.notFound(id));
    return c.json(present(row), 200);
  })
  .openapi(retry, async (c) => {
    const { id } = c.req.valid("param");
    const retried = await retryJob(c.var.db, id, c.var.clock.now());
    if (retried === "not-found") raise(jobsProblems.notFound(id));
    if (typeof retried === "string") raise(jobsProblems.notRetryable(id, retried));
    c.var.jobs?.wake();
    return c.json(present(retried), 200);
  });

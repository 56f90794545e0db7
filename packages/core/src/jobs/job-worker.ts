/**
 * @module Runs the durable queue's jobs on this node: claims due ones for the queues it has handlers
 * for (up to each queue's concurrency), renews their leases while they run, and ends each attempt as
 * done, failed (retried with backoff, then dead) or released (this node is stopping). Polls the
 * database every few seconds and at once when woken: by an enqueue here, or by another node's notice.
 */
import type { Database } from "@hearth/db";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { Clock } from "../clock.ts";
import type { Logger } from "../logger.ts";
import { claimJobs, finishJob, type JobRow, type NewJob, renewJobLeases, reportJobProgress } from "./job-queue.ts";

const tracer = trace.getTracer("hearth");

/** What a handler gets besides the job's payload. */
interface JobContext {
  /** Aborted when this node stops: end soon; the job is queued again for the next node. */
  signal: AbortSignal;
  /** This attempt's number, from 1. */
  attempt: number;
  /** Records progress for admins (GET /api/admin/jobs). */
  progress(progress: unknown): Promise<void>;
}

export interface JobHandler {
  /** Resolves when the job is done; a throw fails the attempt. */
  run(payload: unknown, context: JobContext): Promise<void>;
  /** Jobs of this queue run at once on one node (1 by default). */
  concurrency?: number;
}

/** The queue as the rest of Hearth uses it: add jobs, and have workers look at once. */
export interface JobRuntime {
  /** Adds a job and wakes the workers of every node; undefined when its singleton is already pending. */
  enqueue(job: NewJob): Promise<string | undefined>;
  /** Has this node's worker and every other node's read the queue now. */
  wake(): void;
}

export interface JobWorkerSettings {
  nodeId: string;
  /** How often the queue is read when nothing wakes the worker. */
  pollMs: number;
  /** How long a claim holds without renewal: a node that dies frees its jobs this long after. */
  leaseMs: number;
}

export class JobWorker {
  readonly #running = new Map<string, { job: JobRow; done: Promise<void>; abort: AbortController }>();
  #timer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #wokenWhilePolling = false;
  #isClosed = false;

  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      logger: Logger;
      handlers: ReadonlyMap<string, JobHandler>;
      settings: JobWorkerSettings;
    },
  ) {}

  start(): void {
    if (this.deps.handlers.size === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.wake(), this.deps.settings.pollMs);
    this.#timer.unref();
    this.#renewTimer = setInterval(() => void this.#renew(), Math.max(100, this.deps.settings.leaseMs / 3));
    this.#renewTimer.unref();
    this.wake();
  }

  /** Reads the queue now (again once the read in progress ends, if one is). */
  wake(): void {
    if (this.#isClosed || this.deps.handlers.size === 0) return;
    if (this.#polling !== undefined) {
      this.#wokenWhilePolling = true;
      return;
    }
    this.#polling = this.#poll()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, "reading the job queue failed"))
      .finally(() => {
        this.#polling = undefined;
        if (this.#wokenWhilePolling) {
          this.#wokenWhilePolling = false;
          this.wake();
        }
      });
  }

  /** Jobs running on this node now. */
  get running(): number {
    return this.#running.size;
  }

  /** Stops claiming, asks running jobs to stop, and waits for them; what they did not finish is queued again. */
  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#timer);
    clearInterval(this.#renewTimer);
    await this.#polling;
    for (const { abort } of this.#running.values()) abort.abort("shutdown");
    await Promise.all([...this.#running.values()].map(({ done }) => done));
  }

  async #poll(): Promise<void> {
    const { db, clock, handlers, settings } = this.deps;
    for (const [queue, handler] of handlers) {
      const busy = [...this.#running.values()].filter(({ job }) => job.queue === queue).length;
      const room = (handler.concurrency ?? 1) - busy;
      if (room < 1 || this.#isClosed) continue;
      const claimed = await claimJobs(
        db,
        { queues: [queue], limit: room, nodeId: settings.nodeId, leaseMs: settings.leaseMs },
        clock.now(),
      );
      for (const job of claimed) this.#start(job, handler);
    }
  }

  #start(job: JobRow, handler: JobHandler): void {
    const { db, clock, logger } = this.deps;
    const abort = new AbortController();
    const context: JobContext = {
      signal: abort.signal,
      attempt: job.attempts,
      progress: (progress) => reportJobProgress(db, job, progress),
    };
    const done = tracer
      .startActiveSpan(
        `job ${job.queue}`,
        { attributes: { "hearth.job": job.queue, "hearth.job.id": job.id } },
        async (span) => {
          try {
            await handler.run(job.payload, context);
            await finishJob(db, job, { status: "done" }, clock.now());
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            span.setStatus({ code: SpanStatusCode.ERROR, message });
            if (abort.signal.aborted) {
              await finishJob(db, job, { status: "released" }, clock.now());
            } else {
              logger.warn({ err: error, jobId: job.id, queue: job.queue, attempt: job.attempts }, "a job failed");
              await finishJob(db, job, { status: "failed", error: message }, clock.now());
            }
          } finally {
            span.end();
          }
        },
      )
      .catch((error: unknown) => logger.error({ err: error, jobId: job.id }, "ending a job's attempt failed"))
      .finally(() => {
        this.#running.delete(job.id);
        // Room for the next one of its queue.
        this.wake();
      });
    this.#running.set(job.id, { job, done, abort });
  }

  async #renew(): Promise<void> {
    const held = [...this.#running.values()].map(({ job }) => job);
    const until = new Date(this.deps.clock.now().getTime() + this.deps.settings.leaseMs);
    await renewJobLeases(this.deps.db, held, until).catch((error: unknown) =>
      this.deps.logger.warn({ err: error }, "renewing the jobs' leases failed"),
    );
  }
}

/**
 * The durable queue on the real database (PGlite, or PostgreSQL with TEST_DATABASE_URL): claims,
 * retries with backoff, the dead state and an admin's retry, leases that outlive their node, and two
 * workers sharing one queue without running a job twice.
 */
import { type Database, migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrations } from "../migrations.ts";
import {
  backoffMs,
  claimJobs,
  countJobs,
  enqueueJob,
  findJob,
  finishJob,
  listJobs,
  pruneJobs,
  retryJob,
} from "./job-queue.ts";
import { type JobHandler, JobWorker } from "./job-worker.ts";

const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;
const LEASE_MS = 30_000;

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the durable job queue", () => {
  let db: Database;
  let now: Date;
  const clock = { now: () => now };
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  const claim = (nodeId = "a", queues = ["work"], limit = 10) =>
    claimJobs(db, { queues, limit, nodeId, leaseMs: LEASE_MS }, now);

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db, migrations);
  });
  afterAll(() => db.close());
  beforeEach(async () => {
    await db.query("DELETE FROM jobs");
    now = new Date("2026-12-05T12:00:00Z");
  });

  it("claims due jobs once, oldest first, and enqueues a singleton only while none is pending", async () => {
    const first = await enqueueJob(db, { queue: "work", payload: { n: 1 } }, now);
    advance(1);
    await enqueueJob(db, { queue: "work", payload: { n: 2 } }, now);
    await enqueueJob(db, { queue: "work", payload: { n: 3 }, runAfter: new Date(now.getTime() + 60_000) }, now);
    await enqueueJob(db, { queue: "other", payload: { n: 4 } }, now);
    const claimed = await claim();
    expect(claimed.map((job) => job.payload)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(claimed[0]).toMatchObject({ id: first, state: "running", attempts: 1, locked_by: "a" });
    expect(await claim("b")).toEqual([]);

    const key = { queue: "work", singletonKey: "backfill:user-1" };
    const once = await enqueueJob(db, key, now);
    expect(once).toBeDefined();
    expect(await enqueueJob(db, key, now)).toBeUndefined();
    const [running] = await claim("a", ["work"], 1);
    expect(running?.id).toBe(once);
    expect(await enqueueJob(db, key, now)).toBeUndefined();
    await finishJob(db, running as { id: string; attempts: number }, { status: "done" }, now);
    expect(await enqueueJob(db, key, now)).toBeDefined();
  });

  it("retries a failed job after a growing backoff, then leaves it dead until an admin retries it", async () => {
    const id = (await enqueueJob(db, { queue: "work", maxAttempts: 3 }, now)) as string;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [job] = await claim();
      expect(job).toMatchObject({ id, attempts: attempt });
      await finishJob(db, job as { id: string; attempts: number }, { status: "failed", error: `boom ${attempt}` }, now);
      if (attempt === 3) break;
      expect(await findJob(db, id)).toMatchObject({ state: "queued", last_error: `boom ${attempt}` });
      advance(backoffMs(attempt) - 1);
      expect(await claim()).toEqual([]);
      advance(1);
    }
    expect(backoffMs(1)).toBe(5_000);
    expect(backoffMs(2)).toBe(10_000);
    expect(backoffMs(30)).toBe(3_600_000);
    expect(await findJob(db, id)).toMatchObject({ state: "dead", attempts: 3, last_error: "boom 3" });
    advance(24 * 3_600_000);
    expect(await claim()).toEqual([]);
    expect(await countJobs(db)).toEqual([{ queue: "work", queued: 0, running: 0, done: 0, dead: 1 }]);

    const retried = await retryJob(db, id, now);
    expect(retried).toMatchObject({ state: "queued", attempts: 0 });
    expect(await retryJob(db, "00000000-0000-4000-8000-000000000000", now)).toBe("not-found");
    const [again] = await claim();
    expect(again).toMatchObject({ id, attempts: 1 });
    expect(await retryJob(db, id, now)).toBe("running");
    await finishJob(db, again as { id: string; attempts: number }, { status: "done" }, now);
    expect(await retryJob(db, id, now)).toBe("done");
  });

  it("gives a job whose node stopped to another once its lease runs out, and ignores the first node after", async () => {
    const id = (await enqueueJob(db, { queue: "work", maxAttempts: 2 }, now)) as string;
    const [onA] = await claim("a");
    advance(LEASE_MS);
    expect(await claim("b")).toEqual([]);
    advance(1);
    const [onB] = await claim("b");
    expect(onB).toMatchObject({ id, attempts: 2, locked_by: "b" });
    expect(onB?.last_error).toContain("stopped before it finished");
    // A finishes late: the attempt number fences it off.
    await finishJob(db, onA as { id: string; attempts: number }, { status: "done" }, now);
    expect(await findJob(db, id)).toMatchObject({ state: "running", locked_by: "b" });
    // B dies too, on the last attempt: dead, not claimed a third time.
    advance(LEASE_MS + 1);
    expect(await claim("c")).toEqual([]);
    expect(await findJob(db, id)).toMatchObject({ state: "dead", attempts: 2 });
  });

  it("lists jobs by state and queue, newest first, in pages, and forgets finished ones after their time", async () => {
    for (let n = 0; n < 5; n++) {
      await enqueueJob(db, { queue: n % 2 === 0 ? "even" : "odd", payload: { n } }, now);
      advance(1000);
    }
    const page = await listJobs(db, { queue: "even", limit: 2 });
    expect(page.rows.map((job) => job.payload)).toEqual([{ n: 4 }, { n: 2 }]);
    const next = await listJobs(db, { queue: "even", limit: 2, cursor: page.nextCursor as string });
    expect(next.rows.map((job) => job.payload)).toEqual([{ n: 0 }]);
    expect(next.nextCursor).toBeNull();
    const [job] = await claim("a", ["odd"], 1);
    await finishJob(db, job as { id: string; attempts: number }, { status: "done" }, now);
    expect((await listJobs(db, { state: "done", limit: 10 })).rows).toHaveLength(1);
    expect(await pruneJobs(db, new Date(now.getTime() + 1), new Date(now.getTime() + 1))).toBe(1);
    expect((await listJobs(db, { limit: 10 })).rows).toHaveLength(4);
  });

  it("runs each job once with two workers on one queue, retries a failure, and requeues what a stop cut short", async () => {
    const ran = new Map<number, number>();
    let failOnce = true;
    const handler: JobHandler = {
      concurrency: 4,
      async run(payload, context) {
        const { n } = payload as { n: number };
        if (n === 7 && failOnce) {
          failOnce = false;
          throw new Error("the first try of 7 fails");
        }
        ran.set(n, (ran.get(n) ?? 0) + 1);
        await context.progress({ n });
      },
    };
    const workers = ["a", "b"].map(
      (nodeId) =>
        new JobWorker({
          db,
          clock,
          logger: silent,
          handlers: new Map([["work", handler]]),
          settings: { nodeId, pollMs: 50, leaseMs: LEASE_MS },
        }),
    );
    for (let n = 0; n < 200; n++) await enqueueJob(db, { queue: "work", payload: { n } }, now);
    for (const worker of workers) worker.start();
    await until(async () => ran.size === 199, "199 jobs to run");
    // 7 failed once: it waits out its backoff.
    expect(ran.has(7)).toBe(false);
    advance(backoffMs(1));
    await until(async () => ran.size === 200, "the retried job");
    expect([...ran.values()].every((times) => times === 1)).toBe(true);
    await until(async () => (await countJobs(db))[0]?.done === 200, "every job to be done");

    // A job running when its node stops is queued again, its attempt not counted.
    let started: () => void = () => {};
    const isStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = new JobWorker({
      db,
      clock,
      logger: silent,
      handlers: new Map([
        [
          "slow",
          {
            async run(_payload, context) {
              started();
              await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
              throw new Error("stopped");
            },
          },
        ],
      ]),
      settings: { nodeId: "c", pollMs: 50, leaseMs: LEASE_MS },
    });
    const id = (await enqueueJob(db, { queue: "slow" }, now)) as string;
    slow.start();
    await isStarted;
    await slow.close();
    expect(await findJob(db, id)).toMatchObject({ state: "queued", attempts: 0 });
    for (const worker of workers) await worker.close();
  });
});

/**
 * kill -9 in the middle of the search backfill: the next start goes on from the last committed batch,
 * and in the end every message is in the index once, none missed.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "@hearth/db";
import { createTestDatabaseUrl } from "@hearth/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./testing/hearth-process.ts";
import { TestClient } from "./testing/test-client.ts";
import { ADMIN } from "./testing/test-server.ts";

/** Enough history that indexing takes seconds (batches of 50 messages). */
const MESSAGES = 10_000;

describe("a crash during the search backfill", { timeout: 180_000 }, () => {
  let dataDir: string;
  let database: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  const children: HearthProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "hearth-backfill-"));
    database = await createTestDatabaseUrl();
  });
  afterAll(async () => {
    for (const { child } of children) child.kill("SIGKILL");
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function startHearth(indexCheckMs: number): Promise<HearthProcess> {
    const hearth = await spawnHearth({
      HEARTH_DATA_DIR: dataDir,
      HEARTH_SEARCH_INDEX_CHECK_MS: String(indexCheckMs),
      HEARTH_SERVER_JOB_LEASE_SECONDS: "3",
      ...(database ? { DATABASE_URL: database.url } : {}),
    });
    children.push(hearth);
    await waitUntilRunning(hearth);
    return hearth;
  }
  async function stop(hearth: HearthProcess, signal: "SIGTERM" | "SIGKILL") {
    hearth.child.kill(signal);
    await once(hearth.child, "exit");
  }
  /** The database, while no Hearth has it open. */
  async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
    const db = await openDatabase(database ? { kind: "postgres", url: database.url } : { kind: "pglite", dataDir });
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  it("finishes after a restart, with every message indexed once", async () => {
    // A first start makes the schema and an account, and indexes nothing (it would look in an hour).
    const first = await startHearth(3_600_000);
    const setup = new TestClient(first.url);
    expect((await setup.post("/api/setup", ADMIN)).status).toBe(201);
    expect((await setup.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    const conversationId = (await setup.post<{ id: string }>("/api/conversations", { title: "History" })).body.id;
    await stop(first, "SIGTERM");
    // History from before search existed: finished messages that no sweep has seen.
    await withDatabase((db) =>
      db.query(
        `INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
         SELECT $1, 'user', 'message number ' || g || ' about ' || (ARRAY['solar', 'bread', 'garden'])[g % 3 + 1],
                'done', now(), now()
         FROM generate_series(1, $2::int) AS g`,
        [conversationId, MESSAGES],
      ),
    );

    const second = await startHearth(50);
    const admin = new TestClient(second.url);
    expect((await admin.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    type Jobs = { data: { state: string; attempts: number; progress: { indexed?: number } | null }[] };
    await expect
      .poll(
        async () => {
          const jobs = await admin.get<Jobs>("/api/admin/jobs?queue=search-index&state=running");
          return jobs.body.data[0]?.progress?.indexed ?? 0;
        },
        { timeout: 60_000, interval: 10 },
      )
      .toBeGreaterThan(0);
    await stop(second, "SIGKILL");
    const before = await withDatabase(async (db) => {
      const { rows } = await db.query<{ indexed: number }>(
        "SELECT count(*)::int AS indexed FROM messages WHERE search_indexed_at IS NOT NULL",
      );
      return rows[0]?.indexed ?? 0;
    });
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(MESSAGES);

    const third = await startHearth(50);
    const after = new TestClient(third.url);
    expect((await after.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    type Results = { data: { snippet: string }[]; indexing: { messagesToIndex: number } };
    await expect
      .poll(async () => (await after.get<Results>("/api/search?q=solar&mode=keyword")).body.indexing.messagesToIndex, {
        timeout: 120_000,
        interval: 100,
      })
      .toBe(0);
    const found = await after.get<Results>("/api/search?q=number+1234&mode=keyword");
    expect(found.body.data.map((hit) => hit.snippet)).toContain("message number 1234 about bread");
    // The sweep that was killed was claimed again (its attempt counted) and finished.
    const jobs = await after.get<Jobs>("/api/admin/jobs?queue=search-index");
    expect(jobs.body.data.map((job) => job.state)).not.toContain("running");
    expect(jobs.body.data.some((job) => job.state === "done" && job.attempts === 2)).toBe(true);
    await stop(third, "SIGTERM");

    await withDatabase(async (db) => {
      const { rows } = await db.query<{ messages: number; unindexed: number; chunks: number; distinct: number }>(
        `SELECT (SELECT count(*)::int FROM messages) AS messages,
                (SELECT count(*)::int FROM messages WHERE search_indexed_at IS NULL) AS unindexed,
                (SELECT count(*)::int FROM search_chunks) AS chunks,
                (SELECT count(DISTINCT message_id)::int FROM search_chunks) AS distinct`,
      );
      expect(rows[0]).toEqual({ messages: MESSAGES, unindexed: 0, chunks: MESSAGES, distinct: MESSAGES });
    });
  });
});

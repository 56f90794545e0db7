import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInAdmin, signedInUser, startTestServer, type TestClient, type TestServer } from "../testing/index.ts";

interface Job {
  id: string;
  queue: string;
  state: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  progress: unknown;
  payload: unknown;
  node: string | null;
}
interface JobPage {
  counts: { queue: string; queued: number; running: number; done: number; dead: number }[];
  data: Job[];
  nextCursor: string | null;
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the durable job queue, as admins see it", () => {
  let server: TestServer;
  let admin: TestClient;
  let shouldFail = true;
  const ran: unknown[] = [];

  beforeAll(async () => {
    server = await startTestServer(
      {},
      {
        jobHandlers: new Map([
          [
            "flaky",
            {
              async run(payload, context) {
                await context.progress({ step: "started", attempt: context.attempt });
                if (shouldFail) throw new Error(`the service answered 503 (attempt ${context.attempt})`);
                ran.push(payload);
              },
            },
          ],
        ]),
      },
    );
    admin = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  const job = async (id: string) => (await admin.get<Job>(`/api/admin/jobs/${id}`)).body;

  it("shows a failing job retried with backoff, then dead, and runs it once an admin retries it", async () => {
    const id = (await server.jobs.enqueue({ queue: "flaky", payload: { messageId: "m-1" }, maxAttempts: 2 })) as string;
    await until(async () => (await job(id)).attempts === 1 && (await job(id)).state === "queued", "the first failure");
    expect(await job(id)).toMatchObject({
      state: "queued",
      lastError: "the service answered 503 (attempt 1)",
      progress: { step: "started", attempt: 1 },
      payload: { messageId: "m-1" },
    });
    // The retry waits out its backoff (5 s on the server's clock).
    server.clock.advance(5);
    server.jobs.wake();
    await until(async () => (await job(id)).state === "dead", "the job to die");
    expect(await job(id)).toMatchObject({ attempts: 2, lastError: "the service answered 503 (attempt 2)" });

    const dead = await admin.get<JobPage>("/api/admin/jobs?state=dead");
    expect(dead.status).toBe(200);
    expect(dead.body.data.map((each) => each.id)).toEqual([id]);
    expect(dead.body.counts).toEqual([{ queue: "flaky", queued: 0, running: 0, done: 0, dead: 1 }]);

    shouldFail = false;
    const retried = await admin.post<Job>(`/api/admin/jobs/${id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ state: "queued", attempts: 0 });
    await until(async () => (await job(id)).state === "done", "the retried job to run");
    expect(ran).toEqual([{ messageId: "m-1" }]);
    const again = await admin.post<{ code: string; state: string }>(`/api/admin/jobs/${id}/retry`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "job-not-retryable", state: "done" });
  });

  it("pages the list and refuses what is not an admin's, or not a job", async () => {
    // A second apart: jobs of the same instant have no order but their random ids.
    for (let n = 0; n < 3; n++) {
      await server.jobs.enqueue({ queue: "nobody-runs-this", payload: { n } });
      server.clock.advance(1);
    }
    const first = await admin.get<JobPage>("/api/admin/jobs?queue=nobody-runs-this&limit=2");
    expect(first.body.data.map((each) => each.payload)).toEqual([{ n: 2 }, { n: 1 }]);
    const second = await admin.get<JobPage>(
      `/api/admin/jobs?queue=nobody-runs-this&limit=2&cursor=${encodeURIComponent(first.body.nextCursor as string)}`,
    );
    expect(second.body.data.map((each) => each.payload)).toEqual([{ n: 0 }]);
    expect(second.body.nextCursor).toBeNull();

    const { client: user } = await signedInUser(server, admin, {
      username: "jobless",
      email: "jobless@example.com",
      password: "a long enough password",
    });
    const anyId = first.body.data[0]?.id as string;
    for (const [method, path] of [
      ["get", "/api/admin/jobs"],
      ["get", `/api/admin/jobs/${anyId}`],
      ["post", `/api/admin/jobs/${anyId}/retry`],
    ] as const) {
      expect((await user[method]<{ code: string }>(path)).body.code).toBe("admin-required");
      expect((await server.client()[method](path)).status).toBe(401);
    }
    const missing = await admin.get<{ code: string }>("/api/admin/jobs/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("job-not-found");
    for (const path of [
      "/api/admin/jobs/not-a-uuid",
      "/api/admin/jobs?state=lost",
      "/api/admin/jobs?limit=100000",
      `/api/admin/jobs?queue=${"q".repeat(101)}`,
      "/api/admin/jobs?cursor=nonsense",
    ]) {
      const refused = await admin.get<{ code: string }>(path);
      expect(refused.status, path).toBe(400);
      expect(refused.body.code).toBe("validation-failed");
    }
    const queued = await admin.post<{ code: string; state: string }>(`/api/admin/jobs/${anyId}/retry`);
    expect(queued.status).toBe(409);
    expect(queued.body.state).toBe("queued");
  });
});

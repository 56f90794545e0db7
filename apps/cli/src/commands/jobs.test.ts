import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type components, createHearthClient, type HearthClient, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { runHearth } from "../testing/run-hearth.ts";

type Job = components["schemas"]["Job"];
type QueueCounts = components["schemas"]["QueueCounts"];

const failure = (attempt: number) => `the mail service answered 503 Service Unavailable (attempt ${attempt})`;
const MISSING = "00000000-0000-4000-8000-000000000000";
/** Waits (as long as expect.poll does, which cannot run in a hook) until the check passes. */
const until = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 15_000, interval: 20 });

describe("hearth jobs, against a real server", () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  let userEnv: Record<string, string>;
  let shouldFail = true;
  const sent: unknown[] = [];
  let deadId: string;
  let doneId: string;

  const job = async (id: string) => unwrap(await hearth.api.GET("/api/admin/jobs/{id}", { params: { path: { id } } }));

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-jobs-"));
    server = await startTestServer(
      {},
      {
        jobHandlers: new Map([
          [
            "mail",
            {
              async run(payload, context) {
                await context.progress({ step: "sending", attempt: context.attempt });
                if (shouldFail) throw new Error(failure(context.attempt));
                sent.push(payload);
              },
            },
          ],
          [
            "thumbnails",
            {
              async run(_payload, context) {
                await context.progress({ made: 3 });
              },
            },
          ],
        ]),
      },
    );
    const admin = await adminApiKey(server.url);
    hearth = admin.hearth;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: admin.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
    const login = { email: "cy@example.com", password: "cy's long password" };
    unwrap(await hearth.api.POST("/api/admin/users", { body: { username: "cy", ...login } }));
    const cy = createHearthClient({ baseUrl: server.url });
    unwrap(await cy.api.POST("/api/auth/login", { body: login }));
    const { key } = unwrap(await cy.api.POST("/api/api-keys", { body: { name: "cy's" } }));
    userEnv = { ...env, HEARTH_API_KEY: key };

    doneId = (await server.jobs.enqueue({ queue: "thumbnails", payload: { image: "cat.png" } })) as string;
    await until(async () => expect((await job(doneId)).state).toBe("done"));
    // A minute later (the list is newest first), two attempts, both failing: the second waits out its 5 s
    // backoff on the server's clock, then the job is dead.
    server.clock.advance(60);
    deadId = (await server.jobs.enqueue({ queue: "mail", payload: { to: "bea" }, maxAttempts: 2 })) as string;
    await until(async () => expect((await job(deadId)).lastError).toBe(failure(1)));
    server.clock.advance(5);
    server.jobs.wake();
    await until(async () => expect((await job(deadId)).state).toBe("dead"));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("lists the counts per queue, then the jobs newest first; --state, --limit and --json", async () => {
    const listed = await runHearth(["jobs"], { env });
    expect(listed.code).toBe(0);
    expect(listed.stderr).toBe("");
    const lines = listed.stdout.split("\n");
    expect(lines.slice(0, 4)).toEqual([
      expect.stringMatching(/^QUEUE\s+QUEUED\s+RUNNING\s+DONE\s+DEAD$/),
      expect.stringMatching(/^mail\s+0\s+0\s+0\s+1$/),
      expect.stringMatching(/^thumbnails\s+0\s+0\s+1\s+0$/),
      "",
    ]);
    expect(lines[4]).toMatch(/^ID\s+QUEUE\s+STATE\s+ATTEMPTS\s+LAST ERROR\s+CREATED$/);
    expect(lines[5]).toMatch(
      new RegExp(
        `^${deadId}\\s+mail\\s+dead\\s+2/2\\s+the mail service answered 503 Service U…\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`,
      ),
    );
    expect(lines[6]).toMatch(new RegExp(`^${doneId}\\s+thumbnails\\s+done\\s+1/\\d+\\s+-\\s+\\d{4}-`));
    expect(lines.slice(7)).toEqual([""]);

    const dead = await runHearth(["jobs", "list", "--state", "dead"], { env });
    expect(dead.stdout).toContain(deadId);
    expect(dead.stdout).not.toContain(doneId);
    const otherQueue = await runHearth(["jobs", "--state", "dead", "--queue", "thumbnails"], { env });
    expect(otherQueue.stdout).not.toContain(deadId);
    expect(otherQueue.stderr).toBe("No dead jobs in the queue thumbnails.\n");

    const newest = await runHearth(["jobs", "list", "--limit", "1"], { env });
    expect(newest.stdout).toContain(deadId);
    expect(newest.stdout).not.toContain(doneId);
    expect(newest.stderr).toBe("Only the newest 1 of the jobs: --limit shows more.\n");

    const json = await runHearth(["jobs", "list", "--json"], { env });
    expect(json.stderr).toBe("");
    const parsed = JSON.parse(json.stdout) as { counts: QueueCounts[]; data: Job[] };
    expect(parsed.counts).toEqual([
      { queue: "mail", queued: 0, running: 0, done: 0, dead: 1 },
      { queue: "thumbnails", queued: 0, running: 0, done: 1, dead: 0 },
    ]);
    expect(parsed.data.map((each) => [each.id, each.state])).toEqual([
      [deadId, "dead"],
      [doneId, "done"],
    ]);
    expect(parsed.data[0]).toMatchObject({ lastError: failure(2), payload: { to: "bea" } });
  });

  it("shows one job in full", async () => {
    const shown = await runHearth(["jobs", "show", deadId], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^state\s+dead$/m);
    expect(shown.stdout).toMatch(/^attempts\s+2 of 2$/m);
    expect(shown.stdout).toContain(`last error  ${failure(2)}\n`);
    expect(shown.stdout).toMatch(/^progress\s+\{"step":"sending","attempt":2\}$/m);
    expect(shown.stdout).toMatch(/^payload\s+\{"to":"bea"\}$/m);
    const json = JSON.parse((await runHearth(["--json", "jobs", "show", doneId], { env })).stdout) as Job;
    expect(json).toMatchObject({ id: doneId, state: "done", progress: { made: 3 } });
  });

  it("retries a dead job, which then runs; a done one is refused in one line", async () => {
    shouldFail = false;
    const retried = await runHearth(["jobs", "retry", deadId], { env });
    expect(retried.code).toBe(0);
    expect(retried.stderr).toBe(`Queued the mail job ${deadId} again.\n`);
    await expect.poll(async () => (await job(deadId)).state).toBe("done");
    expect(sent).toEqual([{ to: "bea" }]);
    expect(await job(deadId)).toMatchObject({
      attempts: 1,
      lastError: null,
      progress: { step: "sending", attempt: 1 },
    });

    const again = await runHearth(["jobs", "retry", deadId], { env });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toBe(`hearth: Job ${deadId} is done: there is nothing to retry. (409 job-not-retryable)\n`);
  });

  it("refuses a user who is not an admin, a malformed id and a job that is not there", async () => {
    for (const args of [["jobs"], ["jobs", "show", doneId], ["jobs", "retry", doneId]]) {
      const refused = await runHearth(args, { env: userEnv });
      expect(refused.code, args.join(" ")).toBe(1);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(/^hearth: [^\n]+ \(403 admin-required\)\n$/);
    }
    for (const args of [
      ["jobs", "show", "not-a-job"],
      ["jobs", "retry", doneId, "12345"],
    ]) {
      const malformed = await runHearth(args, { env });
      expect(malformed.code, args.join(" ")).toBe(2);
      expect(malformed.stderr).toBe(`hearth: not a job id: "${args.at(-1)}" (hearth jobs list shows them)\n`);
    }
    const missing = await runHearth(["jobs", "show", MISSING], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^hearth: There is no job with the id [^\n]+ \(404 job-not-found\)\n$/);
    const badState = await runHearth(["jobs", "list", "--state", "lost"], { env });
    expect(badState.code).toBe(2);
    expect(badState.stderr).toContain("Allowed choices are queued, running, done, dead.");
  });
});

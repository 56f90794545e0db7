import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { createHearthClient, type HearthClient, sendMessage, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { runHearth } from "../testing/run-hearth.ts";

describe("hearth usage, against a real server", () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  let completionTokens = 0;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-usage-"));
    const modelsDir = join(workDir, "models");
    await mkdir(modelsDir);
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 5 },
    });
    const admin = await adminApiKey(server.url);
    hearth = admin.hearth;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: admin.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
    const { id } = unwrap(await hearth.api.POST("/api/conversations", { body: { model: "local/tiny" } }));
    for (const content of ["One", "Two"]) {
      const reply = await sendMessage(hearth, id, { content });
      for await (const event of reply.events) {
        if (event.type === "message.done") completionTokens += event.data.usage?.completionTokens ?? Number.NaN;
      }
    }
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("prints the sums by day and model, and the totals", async () => {
    const run = await runHearth(["usage"], { env });
    expect(run.code).toBe(0);
    const day = new Date().toISOString().slice(0, 10);
    expect(run.stdout).toMatch(/^DAY\s+MODEL\s+CALLS\s+PROMPT\s+COMPLETION\s+TOTAL\s+FIRST TOKEN\s+TOKENS\/S$/m);
    expect(run.stdout).toMatch(new RegExp(`^${day}\\s+local/tiny\\s+2\\s+\\d+\\s+${completionTokens}\\s+\\d+`, "m"));
    expect(run.stderr).toMatch(/^Total: 2 calls, \d+ prompt \+ \d+ completion = \d+ tokens\.$/m);
    const json = JSON.parse((await runHearth(["usage", "--by", "source", "--json"], { env })).stdout);
    expect(json.rows).toEqual([expect.objectContaining({ source: "chat", calls: 2, completionTokens })]);
  });

  it("prints CSV, and everyone's as an admin", async () => {
    const csv = await runHearth(["usage", "--csv", "--all", "--by", "user"], { env });
    expect(csv.code).toBe(0);
    expect(csv.stdout.split("\r\n")[0]).toBe(
      "user_id,username,calls,prompt_tokens,completion_tokens,total_tokens,avg_first_token_ms,tokens_per_second",
    );
    expect(csv.stdout).toMatch(/,ada,2,/);
  });

  it("says what is wrong with a range, and that everyone's is for admins", async () => {
    const bad = await runHearth(["usage", "--from", "2026-12-02", "--to", "2026-12-01"], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/from: must not be after `to`.*\(400 validation-failed\)/);
    const login = { email: "cy@example.com", password: "cy's long password" };
    unwrap(await hearth.api.POST("/api/admin/users", { body: { username: "cy", ...login } }));
    const user = createHearthClient({ baseUrl: server.url });
    unwrap(await user.api.POST("/api/auth/login", { body: login }));
    const { key } = unwrap(await user.api.POST("/api/api-keys", { body: { name: "cy's" } }));
    const userEnv = { ...env, HEARTH_API_KEY: key };
    expect((await runHearth(["usage", "--all"], { env: userEnv })).stderr).toMatch(/\(403 admin-required\)\n$/);
    const own = await runHearth(["usage"], { env: userEnv });
    expect(own.stderr).toContain("No model calls in that range.");
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { createHearthClient, unwrap } from "@hearth/sdk";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canRunOnTerminal, runHearth, runHearthOnTerminal } from "../testing/run-hearth.ts";

describe("hearth models, keys, users and openapi, run as a user would against a real server", () => {
  let workDir: string;
  let server: TestServer;
  let env: Record<string, string>;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-resources-"));
    await writeTestModel(join(workDir, "tiny-chat.gguf"));
    server = await startTestServer({ modelsDir: workDir, engine: { gpu: "off" } });
    const admin = createHearthClient({ baseUrl: server.url });
    unwrap(await admin.api.POST("/api/setup", { body: ADMIN }));
    unwrap(await admin.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
    const { key } = unwrap(await admin.api.POST("/api/api-keys", { body: { name: "admin's" } }));
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: key, HEARTH_CONFIG_DIR: join(workDir, "config") };
  });
  afterAll(async () => {
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("lists the models in a table, and as JSON alone with --json", async () => {
    const table = await runHearth(["models", "list"], { env });
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+AVAILABLE\s+CONTEXT\s+TOOLS\s+SIZE$/);
    expect(row).toMatch(/^local\/tiny-chat\s+yes\s+/);

    const json = await runHearth(["--json", "models", "list"], { env });
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: "local/tiny-chat", isAvailable: true })]);
  });

  it.skipIf(!canRunOnTerminal)("colours tables only on a terminal, and never with NO_COLOR or --no-color", async () => {
    const onTerminal = async (args: string[], extraEnv: Record<string, string> = {}) => {
      const run = await runHearthOnTerminal(args, { env: { ...env, ...extraEnv } });
      expect(run.code).toBe(0);
      return run.stdout;
    };
    expect(await onTerminal(["models", "list"])).toContain("\u001b[1mID ");
    expect(await onTerminal(["models", "list"], { NO_COLOR: "1" })).not.toContain("\u001b");
    expect(await onTerminal(["models", "list", "--no-color"])).not.toContain("\u001b");
  });

  it("inspects a model by its id or its id within the provider, and names an unknown one", async () => {
    const inspected = await runHearth(["models", "inspect", "local/tiny-chat"], { env });
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toMatch(/^id\s+local\/tiny-chat$/m);
    expect(inspected.stdout).toMatch(/^provider\s+local \(llama\.cpp\)$/m);
    const byModelId = await runHearth(["models", "inspect", "tiny-chat", "--json"], { env });
    expect(JSON.parse(byModelId.stdout)).toMatchObject({ id: "local/tiny-chat", modelId: "tiny-chat" });

    const unknown = await runHearth(["models", "inspect", "local/nope"], { env });
    expect(unknown).toEqual({
      code: 1,
      stdout: "",
      stderr: 'hearth: no model "local/nope": hearth models list shows them\n',
    });
  });

  it("creates a key (its secret alone on stdout), lists it, and revokes it by name", async () => {
    const created = await runHearth(["keys", "create", "backup script"], { env });
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(created.stdout).toBe(`${secret}\n`);
    expect(created.stderr).toContain("Its secret is shown this once");
    expect((await runHearth(["whoami"], { env: { ...env, HEARTH_API_KEY: secret } })).code).toBe(0);

    const listed = await runHearth(["keys", "list"], { env });
    expect(listed.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+CREATED\s+LAST USED$/m);
    expect(listed.stdout).toContain("backup script");
    expect(listed.stdout).not.toContain(secret);

    const revoked = await runHearth(["keys", "revoke", "backup script", "--json"], { env });
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).revoked).toHaveLength(1);
    const refused = await runHearth(["whoami"], { env: { ...env, HEARTH_API_KEY: secret } });
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining("refused the API key") });
    const again = await runHearth(["keys", "revoke", "backup script"], { env });
    expect(again).toMatchObject({
      code: 1,
      stderr: 'hearth: no API key "backup script": hearth keys list shows them\n',
    });
  });

  it("lets an admin create users, change their role, disable them, and set their limits", async () => {
    const create = ["users", "create", "--username", "bo", "--email", "bo@example.com", "--password-stdin", "--json"];
    const created = await runHearth(create, { env, input: "bo's long password\n" });
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ username: "bo", role: "user", disabled: false });
    const taken = await runHearth(create, { env, input: "bo's long password" });
    expect(taken).toMatchObject({ code: 1, stderr: expect.stringMatching(/\(409 (email|username)-taken\)\n$/) });

    expect((await runHearth(["users", "role", "bo", "admin", "--json"], { env })).stdout).toContain('"role": "admin"');
    expect((await runHearth(["users", "disable", "bo@example.com"], { env })).stderr).toBe("bo is a disabled admin.\n");
    const table = await runHearth(["users", "list"], { env });
    expect(table.stdout).toMatch(/^ID\s+USERNAME\s+EMAIL\s+ROLE\s+STATE\s+CREATED$/m);
    expect(table.stdout).toMatch(/\sbo\s+bo@example\.com\s+admin\s+disabled\s/);

    const limits = await runHearth(["users", "limits", "bo", "--set", "messagesPerMinute=7", "--json"], { env });
    expect(JSON.parse(limits.stdout)).toMatchObject({
      limits: { messagesPerMinute: 7 },
      overrides: { messagesPerMinute: 7 },
    });
    const reset = await runHearth(["users", "limits", "bo", "--reset", "messagesPerMinute"], { env });
    expect(reset.stdout).toMatch(/^messagesPerMinute\s+30\s+30\s+-$/m);
    const wrong = await runHearth(["users", "limits", "bo", "--set", "tokens=3"], { env });
    expect(wrong).toMatchObject({ code: 2, stderr: expect.stringMatching(/^hearth: no limit "tokens"/) });
  });

  it("tells a user who is not an admin that users need one", async () => {
    const user = createHearthClient({ baseUrl: server.url });
    const login = { email: "cy@example.com", password: "cy's long password" };
    const admin = createHearthClient({ baseUrl: server.url, apiKey: env.HEARTH_API_KEY });
    unwrap(await admin.api.POST("/api/admin/users", { body: { username: "cy", ...login } }));
    unwrap(await user.api.POST("/api/auth/login", { body: login }));
    const { key } = unwrap(await user.api.POST("/api/api-keys", { body: { name: "cy's" } }));
    const refused = await runHearth(["users", "list"], { env: { ...env, HEARTH_API_KEY: key } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^hearth: .*\(403 admin-required\)\n$/);
  });

  it("prints the server's OpenAPI document as JSON", async () => {
    const openapi = await runHearth(["openapi"], { env: { HEARTH_URL: server.url } });
    expect(openapi.code).toBe(0);
    const document = JSON.parse(openapi.stdout);
    expect(document.openapi).toMatch(/^3\.1/);
    expect(Object.keys(document.paths)).toContain("/api/conversations");
  });
});

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { createHearthClient, type HearthClient, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { runHearth } from "../testing/run-hearth.ts";

describe("hearth models local, settings, set and reset, run as an admin would against a real server", () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-settings-"));
    const modelsDir = join(workDir, "models");
    await mkdir(modelsDir);
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    server = await startTestServer({ modelsDir, engine: { gpu: "off", contextSize: 512 } });
    const admin = await adminApiKey(server.url);
    hearth = admin.hearth;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: admin.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("changes the settings given, keeps the others, reads files, and puts one back with `default`", async () => {
    await writeFile(join(workDir, "prompt.txt"), "Answer in French.\nBe brief.");
    const set = await runHearth(
      [
        "models",
        "set",
        "tiny",
        "--context-size",
        "256",
        "--chat-template",
        "llama3",
        "--keep-loaded",
        "10m",
        "--system-prompt",
        `@${join(workDir, "prompt.txt")}`,
        "--temperature",
        "0.4",
        "--max-tokens",
        "64",
      ],
      { env },
    );
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^context size\s+256 tokens$/m);
    expect(set.stdout).toMatch(/^keep loaded\s+10m$/m);
    expect(set.stdout).toMatch(/^sampling\s+temperature 0\.4, maxOutputTokens 64$/m);
    const again = await runHearth(["models", "set", "local/tiny", "--temperature", "default", "--json"], { env });
    expect(JSON.parse(again.stdout)).toEqual({
      contextSize: 256,
      gpuLayers: "auto",
      chatTemplate: "llama3",
      keepLoadedSeconds: 600,
      systemPrompt: "Answer in French.\nBe brief.",
      sampling: { maxOutputTokens: 64 },
    });
    const shown = await runHearth(["models", "settings", "tiny"], { env });
    expect(shown.stdout).toMatch(/^chat template\s+llama3$/m);
  });

  it("shows how the server's llama.cpp holds the models, loaded with their settings", async () => {
    const before = await runHearth(["models", "local"], { env });
    expect(before.stderr).toContain("llama.cpp is not running on this node");
    expect(before.stdout).toMatch(/^local\/tiny\s+not-loaded\s+-/m);
    unwrap(await hearth.api.POST("/api/admin/local-models/load", { body: { model: "tiny" } }));
    const after = await runHearth(["models", "local"], { env });
    expect(after.stderr).toMatch(/llama\.cpp \(\w+ build, \d+ threads\), no GPU \(CPU only\)\./);
    expect(after.stdout).toMatch(/^local\/tiny\s+loaded\s+256\s+0\s+Llama 3\s+0\s+\d{4}-/m);
    const json = JSON.parse((await runHearth(["models", "local", "--json"], { env })).stdout);
    expect(json.data[0]).toMatchObject({ id: "local/tiny", state: "loaded", contextSize: 256 });
  });

  it("puts everything back with reset", async () => {
    const reset = await runHearth(["models", "reset", "tiny"], { env });
    expect(reset.code).toBe(0);
    const shown = await runHearth(["models", "settings", "tiny", "--json"], { env });
    expect(JSON.parse(shown.stdout)).toMatchObject({ contextSize: null, sampling: {} });
  });

  it("says what is wrong: a bad value before asking, the server's refusal, a model that is not there", async () => {
    const bad = await runHearth(["models", "set", "tiny", "--keep-loaded", "soon"], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("must be a time such as 90s, 10m, 2h or 1d");
    const none = await runHearth(["models", "set", "tiny"], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("nothing to change");
    const refused = await runHearth(["models", "set", "tiny", "--chat-template", "{% for m in messages %}"], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/chatTemplate: .*Jinja template.*\(400 validation-failed\)/);
    const missing = await runHearth(["models", "settings", "absent"], { env });
    expect(missing.stderr).toMatch(/\(404 local-model-not-found\)\n$/);
    const unreadable = await runHearth(["models", "set", "tiny", "--system-prompt", "@/nonexistent/file"], { env });
    expect(unreadable.stderr).toContain("cannot read /nonexistent/file: ENOENT");
  });

  it("is for admins only", async () => {
    const login = { email: "cy@example.com", password: "cy's long password" };
    unwrap(await hearth.api.POST("/api/admin/users", { body: { username: "cy", ...login } }));
    const user = createHearthClient({ baseUrl: server.url });
    unwrap(await user.api.POST("/api/auth/login", { body: login }));
    const { key } = unwrap(await user.api.POST("/api/api-keys", { body: { name: "cy's" } }));
    for (const args of [
      ["models", "local"],
      ["models", "settings", "tiny"],
      ["models", "set", "tiny", "--context-size", "512"],
      ["models", "reset", "tiny"],
    ]) {
      const refused = await runHearth(args, { env: { ...env, HEARTH_API_KEY: key } });
      expect(refused.stderr, args.join(" ")).toMatch(/\(403 admin-required\)\n$/);
    }
  });
});

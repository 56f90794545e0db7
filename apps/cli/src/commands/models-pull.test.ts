import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { createHearthClient, type HearthClient, type ModelPull, unwrap } from "@hearth/sdk";
import {
  type HuggingFaceStandIn,
  startHuggingFaceStandIn,
  startTestServer,
  type TestServer,
} from "@hearth/server/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startHearth, startHearthOnTerminal } from "../chat/testing/live-hearth.ts";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { runHearth } from "../testing/run-hearth.ts";

const REPO = "hearth/tiny-GGUF";
/** The source of a tag: the Hub's manifest names the file, which is stored as `tiny.Q4_K_M.gguf`. */
const BY_TAG = `hf:${REPO}:Q4_K_M`;
/** The source of a file by name, for pulls stored under a name of their own (--file-name). */
const BY_FILE = `hf:${REPO}/tiny-Q4_K_M.gguf`;

describe("hearth models pull, pulls, cancel and rm, run as an admin would against a real server", () => {
  let workDir: string;
  let modelsDir: string;
  let hub: HuggingFaceStandIn;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  let model: Buffer;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-pull-"));
    await writeTestModel(join(workDir, "tiny.gguf"));
    model = await readFile(join(workDir, "tiny.gguf"));
    hub = await startHuggingFaceStandIn();
    hub.repos.set(REPO, {
      files: new Map([["tiny-Q4_K_M.gguf", model]]),
      tags: new Map([["Q4_K_M", "tiny-Q4_K_M.gguf"]]),
    });
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-cli-pull-models-"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off" },
      models: { huggingFaceEndpoint: hub.url, listCacheSeconds: 1 },
    });
    const admin = await adminApiKey(server.url);
    hearth = admin.hearth;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: admin.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await hub?.close();
    await rm(workDir, { recursive: true, force: true });
    await rm(modelsDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    // A pull of the small model lasts about two seconds: a few of the server's half-second updates.
    hub.bytesPerSecond = Math.ceil(model.length / 2);
  });

  const listedModels = async (): Promise<string> => (await runHearth(["models", "list"], { env })).stdout;

  it("pulls a model with a line per tenth on stderr, prints its id on stdout, and it lists", async () => {
    const pulled = await runHearth(["models", "pull", BY_TAG], { env });
    expect(pulled.stderr).toContain(`Pulling ${BY_TAG}`);
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toBe("local/tiny.Q4_K_M\n");
    const lines = pulled.stderr.split("\n").filter((line) => line.startsWith("tiny.Q4_K_M.gguf: "));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.at(-1)).toMatch(/^tiny\.Q4_K_M\.gguf: 100% {2}\d+\.\d KB \/ \d+\.\d KB/);
    expect(pulled.stderr).toMatch(/ [KM]?B\/s {2}ETA \d/);
    // The sha256 the hub publishes for the file, which the download matched.
    expect(pulled.stderr).toContain(`, sha256 ${createHash("sha256").update(model).digest("hex")}.`);
    expect(await listedModels()).toMatch(/^local\/tiny\.Q4_K_M\s+yes\s/m);
  }, 30_000);

  it("draws the progress as a bar over one line on a terminal", async () => {
    const pulling = startHearthOnTerminal(["models", "pull", BY_FILE, "--file-name", "terminal.gguf"], env);
    expect(await pulling.exited).toBe(0);
    const shown = pulling.stdout();
    expect(shown).toMatch(/\r\[#*\.*\] +\d+% /);
    expect(shown).toContain(`\r[${"#".repeat(24)}] 100%`);
    expect(shown).toContain("local/terminal");
  }, 30_000);

  it("prints the pull as it ended, alone on stdout, with --json", async () => {
    const pulled = await runHearth(["--json", "models", "pull", BY_FILE, "--file-name", "json.gguf"], { env });
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout)).toMatchObject({
      status: "done",
      fileName: "json.gguf",
      modelId: "local/json",
      downloadedBytes: model.length,
      error: null,
    });
  }, 30_000);

  it("fails with the server's reason for a source that is not there, and for a wrong hash", async () => {
    const absent = await runHearth(["models", "pull", `hf:${REPO}/absent.gguf`], { env });
    expect(absent.code).toBe(1);
    expect(absent.stdout).toBe("");
    expect(absent.stderr).toMatch(
      /^hearth: The model at hf:hearth\/tiny-GGUF\/absent\.gguf cannot be pulled: .*404.*\(422 model-source-unavailable\)\n$/,
    );
    const wrongHash = ["models", "pull", BY_FILE, "--file-name", "hashed.gguf", "--sha256", "0".repeat(64)];
    const mismatched = await runHearth(wrongHash, { env });
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toMatch(/\nhearth: the pull failed: .*sha256.*\n$/i);
    expect(await listedModels()).not.toContain("local/hashed");
  }, 30_000);

  it("starts a pull with --detach, lists it with hearth models pulls, and cancels it", async () => {
    hub.bytesPerSecond = 16 * 1024;
    const detached = await runHearth(["models", "pull", BY_FILE, "--file-name", "detached.gguf", "--detach"], { env });
    expect(detached.code).toBe(0);
    const id = detached.stdout.trim();
    expect(detached.stdout).toMatch(/^[0-9a-f-]{36}\n$/);

    const listed = await runHearth(["models", "pulls"], { env });
    expect(listed.stdout).toMatch(/^ID\s+FILE\s+STATUS\s+PROGRESS\s+ERROR$/m);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\s+detached\\.gguf\\s+downloading\\s+\\d+% of \\d+\\.\\d KB\\s+-$`, "m"),
    );

    const cancelled = await runHearth(["models", "cancel", id], { env });
    expect(cancelled).toMatchObject({ code: 0, stderr: `Cancelled the pull of detached.gguf (${id}).\n` });
    const json = await runHearth(["models", "pulls", "--json"], { env });
    expect(JSON.parse(json.stdout)).toContainEqual(expect.objectContaining({ id, status: "cancelled" }));
    const again = await runHearth(["models", "cancel", id], { env });
    expect(again).toMatchObject({ code: 1, stderr: expect.stringMatching(/\(409 model-pull-finished\)\n$/) });
  }, 30_000);

  it("cancels the pull on the server at Ctrl+C, then exits non-zero", async () => {
    hub.bytesPerSecond = 16 * 1024;
    const pulling = startHearth(["models", "pull", BY_FILE, "--file-name", "interrupted.gguf"], env);
    await pulling.waitFor(() => /interrupted\.gguf: +\d+%/.test(pulling.stderr()), "the first progress line");
    pulling.kill("SIGINT");
    expect(await pulling.exited).toBe(1);
    expect(pulling.stderr()).toMatch(/\nhearth: the pull was cancelled \(Ctrl\+C\); what it downloaded is deleted\n$/);
    const { data } = unwrap(await hearth.api.GET("/api/admin/models/pulls"));
    expect(data.find((pull) => pull.fileName === "interrupted.gguf")).toMatchObject({ status: "cancelled" });
  }, 30_000);

  it("removes a model with --yes, and asks first where it can (without a terminal it needs --yes)", async () => {
    const pulled = await runHearth(["--json", "models", "pull", BY_FILE, "--file-name", "removed.gguf"], { env });
    const { modelId, status } = JSON.parse(pulled.stdout) as ModelPull;
    expect(status).toBe("done");

    const loaded = await runHearth(["models", "load", modelId], { env });
    expect(loaded).toEqual({ code: 0, stdout: "", stderr: "Loaded local/removed.\n" });
    expect((await runHearth(["--json", "models", "list"], { env })).stdout).toMatch(
      /"id":\s*"local\/removed"[^}]*"isLoaded":\s*true/,
    );
    expect((await runHearth(["models", "unload", "removed"], { env })).stderr).toBe("Unloaded local/removed.\n");
    expect((await runHearth(["models", "unload", "removed"], { env })).stderr).toBe("Was not loaded: local/removed.\n");

    const unasked = await runHearth(["models", "rm", modelId], { env });
    expect(unasked).toMatchObject({ code: 2, stderr: expect.stringContaining("add --yes") });
    expect(await listedModels()).toContain("local/removed");

    const removed = await runHearth(["models", "rm", modelId, "--yes"], { env });
    expect(removed).toEqual({ code: 0, stdout: "", stderr: "Removed local/removed.\n" });
    expect(await listedModels()).not.toContain("local/removed");
    const gone = await runHearth(["models", "rm", "removed", "--yes"], { env });
    expect(gone).toMatchObject({ code: 1, stderr: expect.stringMatching(/\(404 local-model-not-found\)\n$/) });
  }, 30_000);

  it("removes a model once the question is answered yes on a terminal", async () => {
    expect((await runHearth(["models", "pull", BY_FILE, "--file-name", "asked.gguf"], { env })).code).toBe(0);
    const declined = startHearthOnTerminal(["models", "rm", "asked"], env);
    await declined.waitFor(() => declined.stdout().includes("[y/N]"), "the question");
    expect(declined.stdout()).toContain("Delete local/asked (asked.gguf, ");
    declined.type("n\r");
    expect(await declined.exited).toBe(1);
    expect(await listedModels()).toContain("local/asked");

    const confirmed = startHearthOnTerminal(["models", "rm", "asked"], env);
    await confirmed.waitFor(() => confirmed.stdout().includes("[y/N]"), "the question");
    confirmed.type("y\r");
    expect(await confirmed.exited).toBe(0);
    expect(await listedModels()).not.toContain("local/asked");
  }, 30_000);

  it("tells a user who is not an admin that pulls need one", async () => {
    const login = { email: "cy@example.com", password: "cy's long password" };
    unwrap(await hearth.api.POST("/api/admin/users", { body: { username: "cy", ...login } }));
    const user = createHearthClient({ baseUrl: server.url });
    unwrap(await user.api.POST("/api/auth/login", { body: login }));
    const { key } = unwrap(await user.api.POST("/api/api-keys", { body: { name: "cy's" } }));
    const userEnv = { ...env, HEARTH_API_KEY: key };
    for (const args of [
      ["models", "pull", BY_TAG],
      ["models", "pulls"],
      ["models", "rm", "tiny", "--yes"],
    ]) {
      const refused = await runHearth(args, { env: userEnv });
      expect(refused.code, args.join(" ")).toBe(1);
      expect(refused.stderr, args.join(" ")).toMatch(/^hearth: .*\(403 admin-required\)\n$/);
    }
  });
});

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { type components, createHearthClient, type HearthClient, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { canRunOnTerminal, runHearth, runHearthOnTerminal } from "../testing/run-hearth.ts";

type Memory = components["schemas"]["Memory"];
type MemoryExport = components["schemas"]["MemoryExport"];
type MemorySettings = components["schemas"]["MemorySettings"];

const BOB = { username: "bob", email: "bob@example.com", password: "bob's long password" };
const UNKNOWN_ID = "0190f5a2-0000-7000-8000-000000000000";

describe("hearth memory, against a real server", { timeout: 60_000 }, () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let adaId: string;
  let env: Record<string, string>;

  const hearthMemory = (...args: string[]) => runHearth(["memory", ...args], { env });
  const memories = async () => unwrap(await hearth.api.GET("/api/memories", { params: { query: { limit: 200 } } }));
  /** Writes a memory as the model's remember tool does, a second after the last one. */
  const insertMemory = async (content: string, status: "saved" | "proposed" = "proposed") => {
    server.clock.advance(1);
    const { rows } = await server.db.query<{ id: string }>(
      `INSERT INTO memories (user_id, content, status, source, created_at, updated_at)
       VALUES ($1, $2, $3, 'model', $4, $4) RETURNING id`,
      [adaId, content, status, server.clock.now()],
    );
    return rows[0]?.id ?? "";
  };

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-memory-"));
    // A context that holds the memory section of the system prompt as well as the question.
    await writeTestModel(join(workDir, "tiny.gguf"), { contextLength: 4096 });
    server = await startTestServer({
      modelsDir: workDir,
      engine: { gpu: "off", contextSize: 4096 },
      chat: { maxReplyTokens: 4 },
    });
    const admin = await adminApiKey(server.url);
    hearth = admin.hearth;
    adaId = unwrap(await hearth.api.GET("/api/auth/me")).user.id;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: admin.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("adds facts, saying whether each is new or kept already, and lists them newest first, saying memory is off", async () => {
    const added = await hearthMemory("add", "Prefers", "metric", "units.");
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toBe("");
    expect(added.stderr).toMatch(/^Saved: Prefers metric units\. \([0-9a-f-]{36}\)\n$/);
    server.clock.advance(1);
    const again = await hearthMemory("add", "  prefers METRIC units. ");
    expect(again.stderr).toMatch(/^Kept already: Prefers metric units\. /);
    server.clock.advance(1);
    const json = await runHearth(["--json", "memory", "add", "Has a cat named Miso."], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({
      content: "Has a cat named Miso.",
      status: "saved",
      source: "user",
    });

    const listed = await hearthMemory("list");
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +STATUS +SOURCE +ADDED +MEMORY$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^[0-9a-f-]{36} +saved +you +\d{4}-\d{2}-\d{2} \d{2}:\d{2} +Has a cat named Miso\.$/),
      expect.stringMatching(/ saved +you +.* Prefers metric units\.$/),
    ]);
    expect(listed.stderr).toBe("Memory is off: replies read none of your memories (hearth memory on turns it on).\n");
    // With --json, stdout is the memories alone.
    const listedJson = await hearthMemory("list", "--json", "--limit", "1");
    expect(listedJson.stderr).toBe("");
    expect((JSON.parse(listedJson.stdout) as Memory[]).map((memory) => memory.content)).toEqual([
      "Has a cat named Miso.",
    ]);
  });

  it("lists the model's proposals alone, saves one, and shows its text made printable", async () => {
    const proposal = await insertMemory("Rides a \u001b[31mred\u001b[0m bike.");
    const proposals = await hearthMemory("list", "--proposed");
    expect(proposals.stdout).toContain("proposed  model");
    expect(proposals.stdout).toContain("Rides a \\x1b[31mred\\x1b[0m bike.");
    expect(proposals.stdout).not.toContain("\u001b");
    expect(proposals.stdout.trimEnd().split("\n")).toHaveLength(2);

    const saved = await hearthMemory("save", proposal);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stderr).toBe("Saved: Rides a \\x1b[31mred\\x1b[0m bike.\n");
    expect((await hearthMemory("list", "--proposed")).stderr).toContain("No proposals.");
    expect((await memories()).data.find((memory) => memory.id === proposal)?.status).toBe("saved");
  });

  it("edits and deletes a memory; an unknown id or another user's is not found (exit 1), a malformed one a usage error", async () => {
    const { id } = unwrap(await hearth.api.POST("/api/memories", { body: { content: "Has a cat named Pixel." } }));
    const edited = await hearthMemory("edit", id, "Has", "two", "cats.");
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stderr).toBe("Changed: Has two cats.\n");
    const removed = await hearthMemory("rm", id);
    expect(removed.code).toBe(0);
    expect(removed.stderr).toBe(`Deleted the memory ${id}.\n`);
    expect((await memories()).data.map((memory) => memory.id)).not.toContain(id);

    const bob = createHearthClient({ baseUrl: server.url });
    unwrap(await hearth.api.POST("/api/admin/users", { body: BOB }));
    unwrap(await bob.api.POST("/api/auth/login", { body: { email: BOB.email, password: BOB.password } }));
    const bobs = unwrap(await bob.api.POST("/api/memories", { body: { content: "Bob's secret." } }));
    for (const args of [
      ["rm", id],
      ["rm", bobs.id],
      ["edit", bobs.id, "Mine now."],
      ["save", bobs.id],
      ["edit", UNKNOWN_ID, "Nobody's."],
    ]) {
      const run = await hearthMemory(...args);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr).toBe(`hearth: You have no memory with the id ${args[1]}. (404 memory-not-found)\n`);
    }
    expect(unwrap(await bob.api.GET("/api/memories")).data).toEqual([bobs]);

    for (const args of [["rm", "miso"], ["rm"], ["rm", id, "--all"], ["edit", id], ["add", " "], ["add"]]) {
      const run = await hearthMemory(...args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(/^hearth: /);
    }
    const tooLong = await hearthMemory("add", "x".repeat(501));
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toMatch(/content.*\(400 validation-failed\)/);
  });

  it("turns memory on and off and changes how it works, printing the settings", async () => {
    const on = await hearthMemory("on");
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/^memory +on$/m);
    expect(on.stdout).toMatch(/^saved +3$/m);
    const changed = await hearthMemory("settings", "--auto-save", "off", "--recall-history", "off");
    expect(changed.stdout).toMatch(/^automatic saving +off$/m);
    expect(changed.stdout).toMatch(/^recall from history +off$/m);
    const json = await hearthMemory("settings", "--json");
    expect(JSON.parse(json.stdout) as MemorySettings).toEqual({
      enabled: true,
      autoSave: false,
      recallHistory: false,
      saved: 3,
      proposed: 0,
    });
    expect((await hearthMemory("list")).stderr).toBe("");
    await hearthMemory("settings", "--auto-save", "on", "--recall-history", "on");
    const off = await hearthMemory("off", "--json");
    expect(JSON.parse(off.stdout)).toMatchObject({ enabled: false, autoSave: true, recallHistory: true });
    expect((await hearthMemory("settings", "--auto-save", "maybe")).code).toBe(2);
  });

  it("exports the settings and every memory as JSON, to stdout or a file", async () => {
    const printed = await hearthMemory("export");
    expect(printed.code).toBe(0);
    const exported = JSON.parse(printed.stdout) as MemoryExport;
    expect(exported.settings).toMatchObject({ enabled: false, saved: 3 });
    expect(exported.memories.map((memory) => memory.content)).toEqual([
      "Prefers metric units.",
      "Has a cat named Miso.",
      "Rides a \u001b[31mred\u001b[0m bike.",
    ]);
    const file = join(workDir, "memory.json");
    const written = await hearthMemory("export", "--output", file);
    expect(written.stdout).toBe("");
    expect(written.stderr).toBe(`Wrote 3 memories to ${file}.\n`);
    expect((JSON.parse(await readFile(file, "utf8")) as MemoryExport).memories).toEqual(exported.memories);
    const unwritable = await hearthMemory("export", "-o", join(workDir, "missing", "memory.json"));
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toMatch(/^hearth: cannot write .*missing/);
  });

  it("starts a temporary chat with chat --temporary: its reply reads no memory", async () => {
    await hearthMemory("on");
    const before = new Set(unwrap(await hearth.api.GET("/api/conversations")).data.map(({ id }) => id));
    server.clock.advance(10); // past the per-minute message limit
    const chat = await runHearth(["chat", "--temporary", "How far is the moon?"], { env });
    expect(chat.code, chat.stderr).toBe(0);
    const started = unwrap(await hearth.api.GET("/api/conversations")).data.filter(({ id }) => !before.has(id));
    expect(started).toEqual([expect.objectContaining({ temporary: true })]);
    const path = { params: { path: { id: started[0]?.id ?? "" } } };
    const [, reply] = unwrap(await hearth.api.GET("/api/conversations/{id}/messages", path)).data;
    expect(reply).toMatchObject({ role: "assistant", status: "done", memoryUsed: null });

    // The same question in a chat that is not temporary reads the saved memories.
    server.clock.advance(10);
    const kept = await runHearth(["--json", "chat", "How far is the moon?"], { env });
    expect(kept.code, kept.stderr).toBe(0);
    expect((JSON.parse(kept.stdout) as { memoryUsed: unknown }).memoryUsed).toEqual(
      expect.arrayContaining([{ type: "memory", memoryId: expect.any(String), content: "Prefers metric units." }]),
    );
    const both = await runHearth(["chat", "--temporary", "--conversation", started[0]?.id ?? "", "Hi"], { env });
    expect(both.code).toBe(2);
  });

  it("deletes every memory with rm --all: --yes without a terminal, else after asking", async () => {
    // More than a page of memories: the list reads them all.
    await server.db.query(
      `INSERT INTO memories (user_id, content, status, source, created_at, updated_at)
       SELECT $1, 'Fact ' || n, 'saved', 'user', $2, $2 FROM generate_series(1, 200) AS n`,
      [adaId, server.clock.now()],
    );
    expect(JSON.parse((await hearthMemory("list", "--json")).stdout)).toHaveLength(203);

    const unasked = await hearthMemory("rm", "--all");
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain("add --yes");
    if (canRunOnTerminal) {
      const declined = await runHearthOnTerminal(["memory", "rm", "--all"], {
        env,
        answers: [["Delete all 203 saved memories and 0 proposals? [y/N]", "n"]],
      });
      expect(declined.code).toBe(1);
      expect(declined.stdout).toContain("nothing deleted");
      expect((await memories()).data).toHaveLength(200);
    }
    const deleted = await hearthMemory("rm", "--all", "--yes", "--json");
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ deleted: 203 });
    expect((await hearthMemory("list")).stderr).toBe("No memories.\n");
  });
});

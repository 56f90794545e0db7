import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { createHearthClient, type HearthClient, unwrap } from "@hearth/sdk";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHearth } from "../testing/run-hearth.ts";

describe("hearth conversations, run as a user would against a real server and engine", () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  let conversationId: string;
  let firstQuestion: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-conversations-"));
    await writeTestModel(join(workDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir: workDir,
      engine: { gpu: "off", contextSize: 1024 },
      chat: { maxReplyTokens: 12 },
    });
    const admin = createHearthClient({ baseUrl: server.url });
    unwrap(await admin.api.POST("/api/setup", { body: ADMIN }));
    unwrap(await admin.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
    const { key } = unwrap(await admin.api.POST("/api/api-keys", { body: { name: "test" } }));
    hearth = createHearthClient({ baseUrl: server.url, apiKey: key });
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: key, HEARTH_CONFIG_DIR: join(workDir, "config") };

    // A conversation with two exchanges, then the first question edited: two branches.
    const conversation = unwrap(
      await hearth.api.POST("/api/conversations", {
        body: { title: "Lisbon in two days", systemPrompt: "Answer as a local guide." },
      }),
    );
    conversationId = conversation.id;
    const first = await send("What should I see first?");
    firstQuestion = first.userMessage.id;
    await send("And in the \u001b[31mevening\u001b[0m?");
    unwrap(
      await hearth.api.PATCH("/api/messages/{id}", {
        params: { path: { id: firstQuestion } },
        body: { content: "What should I eat first?" },
      }),
    );
    await server.idle();
  });
  afterAll(async () => {
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  async function send(content: string) {
    const exchange = unwrap(
      await hearth.api.POST("/api/conversations/{id}/messages", {
        params: { path: { id: conversationId } },
        body: { content },
      }),
    );
    await server.idle();
    return exchange;
  }

  it("lists conversations as a table without escape codes off a terminal, and as JSON alone with --json", async () => {
    const table = await runHearth(["conversations", "list"], { env });
    expect(table.code).toBe(0);
    const [header, row] = table.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID\s+UPDATED\s+PINNED\s+MODEL\s+TITLE$/);
    expect(row).toContain(conversationId);
    expect(row).toContain("Lisbon in two days");
    expect(table.stdout).not.toContain("\u001b");

    const json = await runHearth(["conversations", "list", "--json"], { env });
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id: conversationId, title: "Lisbon in two days" }),
    ]);
  });

  it("shows the active branch, with text from the model or the user made printable", async () => {
    const shown = await runHearth(["conversations", "show", conversationId], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("What should I eat first?");
    expect(shown.stdout).toMatch(/^system prompt\s+Answer as a local guide\.$/m);
    // The edit made a new branch: the first version and what followed it are not on it.
    expect(shown.stdout).not.toContain("What should I see first?");
    expect(shown.stdout).not.toContain("evening");
    expect(shown.stdout).not.toContain("\u001b");

    const json = JSON.parse((await runHearth(["conversations", "show", conversationId, "--json"], { env })).stdout);
    expect(json.conversation.id).toBe(conversationId);
    expect(json.messages.map((message: { role: string }) => message.role)).toEqual(["user", "assistant"]);
    expect(json.messages[0].content).toBe("What should I eat first?");
  });

  it("exports the active branch as Markdown", async () => {
    const exported = await runHearth(["conversations", "export", conversationId], { env });
    expect(exported.code).toBe(0);
    const markdown = exported.stdout;
    expect(markdown).toMatch(/^# Lisbon in two days\n/);
    expect(markdown).toContain("- Exported: the active branch, 2 messages");
    expect(markdown).toContain("## System prompt\n\nAnswer as a local guide.\n\n## You");
    expect(markdown).toContain("## You\n\nWhat should I eat first?");
    expect(markdown).toMatch(/## Assistant \(local\/tiny-chat\)\n\n/);
    expect(markdown).not.toContain("What should I see first?");
  });

  it("exports every branch as Markdown, each message numbered and saying which it answers", async () => {
    const exported = await runHearth(["conversations", "export", conversationId, "--branch", "all"], { env });
    const headings = exported.stdout.split("\n").filter((line) => line.startsWith("## "));
    expect(headings).toEqual([
      "## System prompt",
      "## 1 · You · version 1 of 2",
      "## 2 · Assistant (local/tiny-chat)",
      "## 3 · You",
      "## 4 · Assistant (local/tiny-chat)",
      "## 5 · You · version 2 of 2",
      "## 6 · Assistant (local/tiny-chat)",
    ]);
    expect(exported.stdout).toContain("What should I see first?");
    expect(exported.stdout).toContain("What should I eat first?");
  });

  it("exports as JSON, the active branch or every branch, to stdout or a file", async () => {
    const active = JSON.parse(
      (await runHearth(["conversations", "export", conversationId, "--format", "json"], { env })).stdout,
    );
    expect(active).toMatchObject({ conversation: { id: conversationId }, branch: "active" });
    expect(active.messages).toHaveLength(2);

    const file = join(workDir, "export.json");
    const written = await runHearth(
      ["conversations", "export", conversationId, "--json", "--branch", "all", "-o", file],
      { env },
    );
    expect(written).toMatchObject({ code: 0, stdout: "" });
    expect(written.stderr).toBe(`Wrote 6 messages of "Lisbon in two days" to ${file}.\n`);
    const all = JSON.parse(await readFile(file, "utf8"));
    expect(all.branch).toBe("all");
    expect(all.messages.map((message: { content: string }) => message.content)).toContain("What should I see first?");
    expect(all.messages).toHaveLength(6);
  });

  it("deletes a conversation and restores it", async () => {
    const removed = await runHearth(["conversations", "rm", conversationId], { env });
    expect(removed).toMatchObject({ code: 0, stdout: "" });
    expect(removed.stderr).toContain(`hearth conversations restore ${conversationId}`);
    expect(JSON.parse((await runHearth(["conversations", "list", "--json"], { env })).stdout)).toEqual([]);
    const deleted = JSON.parse((await runHearth(["conversations", "list", "--deleted", "--json"], { env })).stdout);
    expect(deleted.map((conversation: { id: string }) => conversation.id)).toEqual([conversationId]);

    const shown = await runHearth(["conversations", "show", conversationId], { env });
    expect(shown.code).toBe(1);
    expect(shown.stderr).toMatch(/^hearth: .*\(404 conversation-not-found\)\n$/);

    const restored = await runHearth(["conversations", "restore", conversationId, "--json"], { env });
    expect(JSON.parse(restored.stdout)).toEqual([expect.objectContaining({ id: conversationId })]);
    expect((await runHearth(["conversations", "show", conversationId], { env })).code).toBe(0);
  });

  it("refuses what it cannot do in one line: a malformed id (exit 1), an unknown format (exit 2)", async () => {
    const malformed = await runHearth(["conversations", "show", "not-an-id"], { env });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(malformed.stderr).toMatch(/validation-failed/);
    const format = await runHearth(["conversations", "export", conversationId, "--format", "pdf"], { env });
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^hearth: option '--format <format>' argument 'pdf' is invalid/);
  });

  it("pins and unpins conversations, pinned ones listed first, and filters the list by title", async () => {
    const titles = async (args: string[]) =>
      JSON.parse((await runHearth(["conversations", "list", ...args, "--json"], { env })).stdout).map(
        (conversation: { title: string }) => conversation.title,
      );
    for (const title of ["100% packed", "Lisbon food"]) {
      server.clock.advance(1);
      unwrap(await hearth.api.POST("/api/conversations", { body: { title } }));
    }
    expect(await titles([])).toEqual(["Lisbon food", "100% packed", "Lisbon in two days"]);

    const pinned = await runHearth(["conversations", "pin", conversationId], { env });
    expect(pinned).toMatchObject({ code: 0, stdout: "" });
    expect(pinned.stderr).toBe(`Pinned "Lisbon in two days" (${conversationId}).\n`);
    expect(await titles([])).toEqual(["Lisbon in two days", "Lisbon food", "100% packed"]);
    const [row] = (await runHearth(["conversations", "list", "--limit", "1"], { env })).stdout
      .trimEnd()
      .split("\n")
      .slice(1);
    expect(row).toMatch(new RegExp(`^${conversationId}\\s+\\S.*\\s+yes\\s+`));
    expect((await runHearth(["conversations", "show", conversationId], { env })).stdout).toMatch(/^pinned\s+\d{4}-/m);

    expect(await titles(["--filter", "LISBON"])).toEqual(["Lisbon in two days", "Lisbon food"]);
    expect(await titles(["--filter", "%"])).toEqual(["100% packed"]);
    expect(await titles(["--filter", "_"])).toEqual([]);

    const unpinned = await runHearth(["conversations", "unpin", conversationId, "--json"], { env });
    expect(JSON.parse(unpinned.stdout)).toEqual([expect.objectContaining({ id: conversationId, pinnedAt: null })]);
    expect(await titles([])).toEqual(["Lisbon food", "100% packed", "Lisbon in two days"]);
  });

  it("refuses to pin an unknown conversation, or to filter by an overlong text, in one line (exit 1)", async () => {
    const unknown = await runHearth(["conversations", "pin", "00000000-0000-4000-8000-000000000000"], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^hearth: .*\(404 conversation-not-found\)\n$/);
    const long = await runHearth(["conversations", "list", "--filter", "x".repeat(1000)], { env });
    expect(long.code).toBe(1);
    expect(long.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(long.stderr).toMatch(/^hearth: .*\bq\b.*\(400 validation-failed\)\n$/);
  });
});

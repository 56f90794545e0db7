import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { type components, type HearthClient, unwrap } from "@hearth/sdk";
import { spawnHearth, startTestServer, type TestServer, waitUntilRunning } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sanitizeTerminalText } from "../chat/sanitize-terminal-text.ts";
import { startHearth } from "../chat/testing/live-hearth.ts";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { runHearth } from "../testing/run-hearth.ts";

type Message = components["schemas"]["Message"];

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The one line of an error, with no stack after it. */
function expectOneLine(stderr: string, pattern: RegExp): void {
  expect(stderr.trimEnd().split("\n"), stderr).toHaveLength(1);
  expect(stderr.trimEnd()).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe("hearth chat, one prompt at a time, against a real server and engine", () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-chat-"));
    await writeTestModel(join(workDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir: workDir,
      engine: { gpu: "off", contextSize: 1024 },
      chat: { maxReplyTokens: 40 },
    });
    const signedIn = await adminApiKey(server.url);
    hearth = signedIn.hearth;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: signedIn.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
  });
  afterAll(async () => {
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const conversations = async () => unwrap(await hearth.api.GET("/api/conversations")).data;
  /** The conversation a run started: the one not there before it. */
  const startedBy = async <T>(run: () => Promise<T>): Promise<{ result: T; conversationId: string }> => {
    const before = new Set((await conversations()).map((conversation) => conversation.id));
    const result = await run();
    const started = (await conversations()).filter((conversation) => !before.has(conversation.id));
    expect(started).toHaveLength(1);
    return { result, conversationId: started[0]?.id ?? "" };
  };
  const activePath = async (conversationId: string): Promise<Message[]> =>
    unwrap(await hearth.api.GET("/api/conversations/{id}/messages", { params: { path: { id: conversationId } } })).data;

  it("sends the prompt to a new conversation with the model, prints the reply and exits 0", async () => {
    const { result: run, conversationId } = await startedBy(() =>
      runHearth(["chat", "-m", "tiny-chat", "What", "should", "I", "see?"], { env }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe("");
    const conversation = unwrap(
      await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: conversationId } } }),
    );
    expect(conversation.model).toBe("local/tiny-chat");
    const [question, reply] = await activePath(conversationId);
    expect(question).toMatchObject({ role: "user", content: "What should I see?" });
    expect(reply).toMatchObject({ role: "assistant", status: "done", model: "local/tiny-chat" });
    // What was printed is the stored reply, as the terminal may show it, ended by a line break.
    expect(run.stdout.trimEnd()).toBe(sanitizeTerminalText(reply?.content ?? "").trimEnd());
    expect(run.stdout.endsWith("\n")).toBe(true);
  });

  it("starts the conversation with the system prompt --system gives, and changes it on one continued", async () => {
    const { result: run, conversationId } = await startedBy(() =>
      runHearth(["chat", "-s", "Answer in one sentence.", "Why is the sky blue?"], { env }),
    );
    expect(run.code, run.stderr).toBe(0);
    const read = async () =>
      unwrap(await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: conversationId } } }))
        .systemPrompt;
    expect(await read()).toBe("Answer in one sentence.");
    const again = await runHearth(["chat", "-c", conversationId, "--system", "Be brief.", "And at night?"], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(await read()).toBe("Be brief.");
  });

  it("starts the conversation with the context strategy --context gives, changes it on one continued, refuses others", async () => {
    const { result: run, conversationId } = await startedBy(() =>
      runHearth(["chat", "--context", "summarize", "Remember this."], { env }),
    );
    expect(run.code, run.stderr).toBe(0);
    const read = async () =>
      unwrap(await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: conversationId } } }))
        .contextStrategy;
    expect(await read()).toBe("summarize");
    const again = await runHearth(["chat", "-c", conversationId, "--context", "drop-oldest", "And now?"], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(await read()).toBe("drop-oldest");
    const wrong = await runHearth(["chat", "--context", "forget", "Hi"], { env });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("drop-oldest, summarize");
  });

  it("sends piped text after the prompt and a blank line", async () => {
    const diff = "diff --git a/x.ts b/x.ts\n-const a = 1;\n+const a = 2;\n";
    const { result: run, conversationId } = await startedBy(() =>
      runHearth(["chat", "review this"], { env, input: diff }),
    );
    expect(run.code, run.stderr).toBe(0);
    const [question] = await activePath(conversationId);
    expect(question?.content).toBe("review this\n\ndiff --git a/x.ts b/x.ts\n-const a = 1;\n+const a = 2;");
  });

  it("sends piped text alone as the message when no prompt is given", async () => {
    const { result: run, conversationId } = await startedBy(() =>
      runHearth(["chat"], { env, input: "just the pipe\n" }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect((await activePath(conversationId))[0]?.content).toBe("just the pipe");
  });

  it("continues a conversation with --conversation, after its last reply", async () => {
    const conversation = unwrap(await hearth.api.POST("/api/conversations", { body: { title: "Ongoing" } }));
    const first = await runHearth(["chat", "--conversation", conversation.id, "First question"], { env });
    expect(first.code, first.stderr).toBe(0);
    const second = await runHearth(["chat", "-c", conversation.id, "Second question"], { env });
    expect(second.code, second.stderr).toBe(0);
    const path = await activePath(conversation.id);
    expect(path.map((message) => [message.role, message.role === "user" ? message.content : message.status])).toEqual([
      ["user", "First question"],
      ["assistant", "done"],
      ["user", "Second question"],
      ["assistant", "done"],
    ]);
    expect(path[2]?.parentId).toBe(path[1]?.id);
  });

  it("prints the stored reply as JSON with --json, and nothing else on stdout", async () => {
    const { result: run, conversationId } = await startedBy(() =>
      runHearth(["--json", "chat", "Answer in JSON"], { env }),
    );
    expect(run.code, run.stderr).toBe(0);
    const reply = JSON.parse(run.stdout) as Message;
    expect(reply).toMatchObject({ conversationId, role: "assistant", status: "done" });
    expect((await activePath(conversationId)).at(-1)?.content).toBe(reply.content);
  });

  it("refuses an unknown model with one line naming it and how to list models, storing nothing", async () => {
    const before = (await conversations()).length;
    const run = await runHearth(["chat", "-m", "gpt-17-ultra", "hello"], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expectOneLine(run.stderr, /^hearth: no model named "gpt-17-ultra" .*hearth models list/);
    expect(await conversations()).toHaveLength(before);
  });

  it("fails with one line for a conversation that does not exist", async () => {
    const run = await runHearth(["chat", "--conversation", "0b5c1e4e-0000-4000-8000-000000000000", "hi"], { env });
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, /^hearth: .*\(404 conversation-not-found\)$/);
  });

  it("fails with one line for a wrong API key", async () => {
    const run = await runHearth(["chat", "hello"], { env: { ...env, HEARTH_API_KEY: "hk_not_a_key_of_this_server" } });
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, /^hearth: the server refused the API key \(401 unauthenticated\)/);
  });

  it("fails with one line for a server address where nothing listens", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await runHearth(["chat", "hello"], { env: { ...env, HEARTH_URL: url } });
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, new RegExp(`^hearth: cannot reach ${url}: connection refused$`));
  });

  it("refuses piped input too long for a message, before storing anything", async () => {
    const before = (await conversations()).length;
    const run = await runHearth(["chat", "summarize"], { env, input: "word ".repeat(50_000) });
    expect(run.code).toBe(1);
    expectOneLine(run.stderr, /^hearth: the message is 250011 characters long; a message holds at most 200000/);
    expect(await conversations()).toHaveLength(before);
  });
});

describe("hearth chat when the server dies during the reply", () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-chat-crash-"));
    await writeTestModel(join(workDir, "tiny-chat.gguf"));
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it("exits 1 with one line saying the connection was lost, after trying to resume", { timeout: 90_000 }, async () => {
    const hearthServer = await spawnHearth({
      HEARTH_DATA_DIR: join(workDir, "data"),
      HEARTH_MODELS_DIR: workDir,
      HEARTH_ENGINE_GPU: "off",
      HEARTH_ENGINE_CONTEXT_SIZE: "2048",
      // Long enough that the kill lands mid-reply.
      HEARTH_CHAT_MAX_REPLY_TOKENS: "1800",
    });
    try {
      await waitUntilRunning(hearthServer);
      const { key } = await adminApiKey(hearthServer.url);
      const chat = startHearth(["chat", "Write a very long answer"], {
        HEARTH_URL: hearthServer.url,
        HEARTH_API_KEY: key,
        HEARTH_CONFIG_DIR: join(workDir, "config"),
      });
      await chat.waitFor(() => chat.stdout().length > 20, "the reply started");
      hearthServer.child.kill("SIGKILL");
      expect(await chat.exited).toBe(1);
      const [note, error, ...rest] = chat.stderr().trimEnd().split("\n");
      expect(note).toBe("Connection to the server lost; reconnecting…");
      expect(error).toBe(
        `hearth: lost the connection during the reply: cannot reach ${hearthServer.url}: connection refused`,
      );
      expect(rest).toEqual([]);
    } finally {
      hearthServer.child.kill("SIGKILL");
      await hearthServer.exited;
    }
  });
});

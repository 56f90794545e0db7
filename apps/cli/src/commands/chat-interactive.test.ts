import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { type components, type HearthClient, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HearthOnTerminal, startHearthOnTerminal } from "../chat/testing/live-hearth.ts";
import { adminApiKey } from "../testing/admin-api-key.ts";

type MessageNode = components["schemas"]["MessageNode"];

const CTRL_C = "\u0003";
const CTRL_D = "\u0004";
/** What readline draws for a fresh prompt: back to column 1, clear below, `> `, cursor after it. */
const PROMPT = "\u001b[1G\u001b[0J> \u001b[3G";

describe("hearth chat on a terminal (a pseudo-terminal), against a real server and engine", {
  timeout: 120_000,
}, () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-interactive-"));
    // Wider than the default test model and with long replies, so Ctrl+C lands while one streams.
    await writeTestModel(join(workDir, "tiny-chat.gguf"), { width: 256, layers: 4 });
    server = await startTestServer({
      modelsDir: workDir,
      engine: { gpu: "off", contextSize: 2048 },
      chat: { maxReplyTokens: 1500 },
    });
    const signedIn = await adminApiKey(server.url);
    hearth = signedIn.hearth;
    const { key } = signedIn;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: key, HEARTH_CONFIG_DIR: join(workDir, "config") };
  });
  afterAll(async () => {
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const conversationIds = async () => unwrap(await hearth.api.GET("/api/conversations")).data.map(({ id }) => id);
  const tree = async (conversationId: string): Promise<MessageNode[]> =>
    unwrap(await hearth.api.GET("/api/conversations/{id}/tree", { params: { path: { id: conversationId } } })).data;

  /** The output printed since `mark` (a length of the output). */
  const since = (chat: HearthOnTerminal, mark: number) => chat.stdout().slice(mark);

  /** Types a message, waits until its reply has printed some text, then presses Ctrl+C and waits for the stop. */
  async function sendAndStop(chat: HearthOnTerminal, line: string): Promise<void> {
    const mark = chat.stdout().length;
    chat.type(`${line}\r`);
    // The line's echo, then at least 40 characters of the reply.
    await chat.waitFor(() => since(chat, mark).length > line.length + 60, `the reply to "${line}" streamed`);
    chat.type(CTRL_C);
    await chat.waitFor(() => since(chat, mark).includes("[stopped: the text so far is kept]"), "the reply stopped");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the prompt came back");
  }

  it("streams a reply, stops it with Ctrl+C and goes on; /regenerate, /new and /exit", async () => {
    const before = new Set(await conversationIds());
    const chat = startHearthOnTerminal(["chat", "-m", "tiny-chat"], env);
    await chat.waitFor(() => chat.stdout().endsWith(PROMPT), "the first prompt");
    expect(chat.stdout()).toContain("Type /help for commands.");

    await sendAndStop(chat, "Tell me a long story");
    const [first] = (await conversationIds()).filter((id) => !before.has(id));
    const afterFirst = await tree(first ?? "");
    expect(afterFirst.map(({ role, status }) => [role, status])).toEqual([
      ["user", "done"],
      ["assistant", "cancelled"],
    ]);
    // What streamed before Ctrl+C is what the server kept.
    const stopped = afterFirst[1] as MessageNode;
    expect(stopped.content.length).toBeGreaterThan(0);
    expect(chat.stdout()).toContain(stopped.content.slice(0, 20));

    await sendAndStop(chat, "/regenerate");
    const afterRegenerate = await tree(first ?? "");
    expect(afterRegenerate.map(({ role, status, parentId }) => [role, status, parentId])).toEqual([
      ["user", "done", null],
      ["assistant", "cancelled", afterFirst[0]?.id],
      ["assistant", "cancelled", afterFirst[0]?.id],
    ]);

    let mark = chat.stdout().length;
    chat.type("/branch\r");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the branches listed");
    expect(since(chat, mark)).toMatch(/Branches at the latest fork \(replies\).*\r\n {2}1 {2}.+\r\n\* 2 {2}/s);

    mark = chat.stdout().length;
    chat.type("/branch 1\r");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the branch switched");
    const switched = unwrap(await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: first ?? "" } } }));
    expect(switched.activeMessageId).toBe(stopped.id);

    await sendAndStop(chat, "/edit Tell me a short story");
    const afterEdit = await tree(first ?? "");
    expect(afterEdit.filter(({ role }) => role === "user").map(({ content, parentId }) => [content, parentId])).toEqual(
      [
        ["Tell me a long story", null],
        ["Tell me a short story", null],
      ],
    );

    mark = chat.stdout().length;
    chat.type("/new\r");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the next prompt");
    expect(since(chat, mark)).toContain("New conversation: your next message starts it.");
    await sendAndStop(chat, "A second conversation");
    const started = (await conversationIds()).filter((id) => !before.has(id));
    expect(started).toHaveLength(2);

    chat.type("/exit\r");
    expect(await chat.exited).toBe(0);
  });

  it("clears a typed line with Ctrl+C, leaves with Ctrl+C on an empty line, and with Ctrl+D", async () => {
    const chat = startHearthOnTerminal(["chat"], env);
    await chat.waitFor(() => chat.stdout().endsWith(PROMPT), "the first prompt");
    const mark = chat.stdout().length;
    chat.type(`half a thought${CTRL_C}`);
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "a fresh prompt");
    chat.type(CTRL_C);
    expect(await chat.exited).toBe(0);

    const again = startHearthOnTerminal(["chat"], env);
    await again.waitFor(() => again.stdout().endsWith(PROMPT), "the first prompt");
    again.type(CTRL_D);
    expect(await again.exited).toBe(0);
  });

  it("shows, sets and clears the system prompt with /system, before and after the conversation starts", async () => {
    const before = new Set(await conversationIds());
    const chat = startHearthOnTerminal(["chat"], env);
    await chat.waitFor(() => chat.stdout().endsWith(PROMPT), "the first prompt");
    let mark = chat.stdout().length;
    chat.type("/system\r");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the next prompt");
    expect(since(chat, mark)).toContain("No system prompt: /system text sets one.");
    mark = chat.stdout().length;
    chat.type("/system Answer like a pirate.\r");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the next prompt");
    expect(since(chat, mark)).toContain("System prompt set");
    // The first message starts the conversation with it.
    await sendAndStop(chat, "Hello there");
    const [id] = (await conversationIds()).filter((each) => !before.has(each));
    const read = async () =>
      unwrap(await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: id ?? "" } } })).systemPrompt;
    expect(await read()).toBe("Answer like a pirate.");
    mark = chat.stdout().length;
    chat.type("/system\r");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the next prompt");
    expect(since(chat, mark)).toContain("Answer like a pirate.");
    mark = chat.stdout().length;
    chat.type("/system -\r");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the next prompt");
    expect(since(chat, mark)).toContain("System prompt cleared.");
    expect(await read()).toBeNull();
    chat.type("/exit\r");
    expect(await chat.exited).toBe(0);
  });

  it("answers an unknown slash command with one line and keeps the prompt", async () => {
    const chat = startHearthOnTerminal(["chat"], env);
    await chat.waitFor(() => chat.stdout().endsWith(PROMPT), "the first prompt");
    const mark = chat.stdout().length;
    chat.type("/frobnicate\r");
    await chat.waitFor(() => since(chat, mark).endsWith(PROMPT), "the next prompt");
    expect(since(chat, mark)).toContain("✗ unknown command /frobnicate; /help lists the commands");
    chat.type("/exit\r");
    expect(await chat.exited).toBe(0);
  });
});

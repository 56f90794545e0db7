import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  sendMessage,
  settledReply,
  signedInAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

/**
 * Issue 9 §3: a conversation's tools through a remote provider. Hearth A's model is Hearth B's, reached
 * over B's /v1 with the OpenAI-compatible provider: A sends the tool definitions, B's engine makes the
 * call (forced, as the test model's weights are random), A runs the tool and sends the result back in
 * the next step, and B's model goes on.
 */
describe("tool calls through a remote OpenAI-compatible provider", { timeout: 120_000 }, () => {
  let modelsDir: string;
  let remote: TestServer;
  let hearth: TestServer;
  let ada: TestClient;
  const logLines: string[] = [];

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"), { chatTemplate: "qwen2.5", contextLength: 8192 });
    remote = await startTestServer({ modelsDir, engine: { gpu: "off", contextSize: 8192 } }, { logLines });
    const remoteAdmin = await signedInAdmin(remote);
    const apiKey = (await remoteAdmin.post<{ key: string }>("/api/api-keys", { name: "hearth a" })).body.key;
    hearth = await startTestServer({
      modelsDir: "/nonexistent-models-dir",
      chat: { maxReplyTokens: 1500, maxToolSteps: 2 },
      models: {
        providers: [
          {
            id: "hearth-b",
            kind: "openai-compatible",
            baseUrl: `${remote.url}/v1`,
            apiKey,
            timeoutSeconds: 30,
            enabled: true,
          },
        ],
      },
    });
    ada = await signedInAdmin(hearth);
  });
  afterAll(async () => {
    await hearth.close();
    await remote.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("runs the call the remote model makes and lets the remote model go on with its result", async () => {
    const created = await ada.post<{ id: string }>("/api/conversations", {
      model: "hearth-b/local/tiny-chat",
      tools: ["calculator"],
      toolChoice: "required",
    });
    expect(created.status, created.text).toBe(201);
    const conversationId = created.body.id;
    const exchange = await sendMessage(ada, conversationId, "What is 6 times 7?");
    const reply = await settledReply(ada, conversationId, exchange.assistantMessage.id);
    expect(reply.status, `${reply.error}\n${logLines.filter((line) => line.includes('"level":50')).join("\n")}`).toBe(
      "done",
    );
    const [call, result] = reply.parts ?? [];
    expect(call).toMatchObject({ type: "tool-call", toolName: "calculator" });
    expect(result).toMatchObject({ type: "tool-result", toolName: "calculator", toolCallId: call?.toolCallId });
    // The step after the result was written by the remote model too.
    expect(reply.content.length).toBeGreaterThan(0);
  });
});

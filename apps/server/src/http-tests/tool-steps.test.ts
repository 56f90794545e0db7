import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tool } from "@hearth/core";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  type MessageNode,
  sendMessage,
  settledReply,
  signedInAdmin,
  startTestServer,
  type TestServer,
} from "../testing/index.ts";

type Part = NonNullable<MessageNode["parts"]>[number];

/** A tool that answers with the time zone its context carries: the one of the conversation's owner. */
const timeZoneProbe: Tool = {
  name: "time_zone_probe",
  description: "Says the user's time zone.",
  inputSchema: { type: "object", properties: {} },
  run: async (_input, context) => context.timeZone,
};

/**
 * Issue 9 §3: the tool loop stops at `chat.maxToolSteps`. The test model here opens every reply with a
 * call in Qwen's syntax whenever tools are offered, so without the limit the reply would call forever.
 */
describe("the tool loop's step limit", { timeout: 120_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "caller.gguf"), {
      chatTemplate: "qwen2.5",
      callsTools: true,
      contextLength: 8192,
    });
    server = await startTestServer(
      {
        modelsDir,
        engine: { gpu: "off", contextSize: 8192 },
        chat: { maxReplyTokens: 400, maxToolSteps: 3 },
      },
      { extraTools: [timeZoneProbe] },
    );
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("runs a call per step until the last step, which may only write text", async () => {
    const ada = await signedInAdmin(server);
    const created = await ada.post<{ id: string }>("/api/conversations", { tools: ["current_time"] });
    expect(created.status, created.text).toBe(201);
    const exchange = await sendMessage(ada, created.body.id, "What time is it?");
    const reply = await settledReply(ada, created.body.id, exchange.assistantMessage.id);
    expect(reply.status, reply.error ?? "").toBe("done");
    // Steps 1 and 2 call the tool (`auto`, and this model always calls); step 3 gets toolChoice "none".
    expect(reply.parts?.map((part) => `${part.type} ${part.toolName}`)).toEqual([
      "tool-call current_time",
      "tool-result current_time",
      "tool-call current_time",
      "tool-result current_time",
    ]);
    const [first, firstResult, second, secondResult] = reply.parts as Part[];
    expect(firstResult?.toolCallId).toBe(first?.toolCallId);
    expect(secondResult?.toolCallId).toBe(second?.toolCallId);
    expect(second?.toolCallId).not.toBe(first?.toolCallId);
    expect(reply.content.length).toBeGreaterThan(0);
    // Each part sits at the length of the text written before it, and the last step's text comes after them all.
    for (const part of reply.parts as Part[]) expect(part.offset).toBeLessThanOrEqual(reply.content.length);
    expect((reply.parts as Part[]).map((part) => part.offset)).toEqual(
      [...(reply.parts as Part[])].map((part) => part.offset).sort((a, b) => a - b),
    );
  });

  it("gives tools the time zone of the conversation's owner", async () => {
    const ada = server.client();
    await ada.logIn(ADMIN.email, ADMIN.password);
    expect((await ada.patch("/api/auth/me", { timeZone: "Asia/Kathmandu" })).status).toBe(200);
    const created = await ada.post<{ id: string }>("/api/conversations", { tools: ["time_zone_probe"] });
    const exchange = await sendMessage(ada, created.body.id, "Where am I?");
    const reply = await settledReply(ada, created.body.id, exchange.assistantMessage.id);
    const outputs = (reply.parts ?? []).flatMap((part) => (part.type === "tool-result" ? [part.output] : []));
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) expect(output).toBe("Asia/Kathmandu");
  });
});

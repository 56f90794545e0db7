import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  type Exchange,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

const CONTEXT_TOKENS = 16_384;
const problemCode = (body: unknown) => (body as { code?: string }).code;
const LARGEST_MESSAGE = 200_000;
/**
 * Generous on purpose: a noisy machine must not fail it. Before the fix one message of 200,000 "é"
 * held the event loop for seconds while the whole text was tokenized.
 */
const HEALTHZ_BOUND_MS = 1000;

/** Inputs that make tokenizers slow: long unbroken runs, combining marks, astral characters, mixed scripts. */
const pathological = {
  "a run of é (400 KB)": "é".repeat(LARGEST_MESSAGE),
  "combining marks": "e\u0301".repeat(LARGEST_MESSAGE / 2),
  emoji: "😀".repeat(LARGEST_MESSAGE / 2),
  "mixed scripts": "héllo мир 世界 مرحبا 😀 ".repeat(LARGEST_MESSAGE / 24),
  // Small enough in bytes to pass the cheap bound, so it is counted, in slices, until it overflows.
  "a run of é (100 KB)": "é".repeat(LARGEST_MESSAGE / 4),
  "a run of one letter": "a".repeat(LARGEST_MESSAGE),
};

describe("pathological input: one request never stalls the server (issue: harden the core, item 1)", () => {
  let server: TestServer;
  let modelsDir: string;
  let users: TestClient[];
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"), { contextLength: CONTEXT_TOKENS });
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: CONTEXT_TOKENS },
      chat: { maxReplyTokens: 8 },
    });
    const admin = await signedInAdmin(server);
    users = [admin];
    for (const name of ["bea", "cy", "dee"]) {
      const { client } = await signedInUser(server, admin, {
        username: name,
        email: `${name}@example.com`,
        password: "correct horse battery",
      });
      users.push(client);
    }
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("keeps /healthz answering fast while several users send maximum-size pathological messages", {
    timeout: 120_000,
  }, async () => {
    const latencies: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const started = performance.now();
        const response = await fetch(`${server.url}/healthz`);
        await response.text();
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const inputs = [...Object.entries(pathological), ["a question that fits", "hello world how are you ".repeat(200)]];
    const outcomes = await Promise.all(
      inputs.map(async ([name, content], index) => {
        const client = users[index % users.length] as TestClient;
        const conversationId = await createConversation(client);
        const response = await client.post<Exchange>(`/api/conversations/${conversationId}/messages`, { content });
        if (response.status !== 202) return { name, answer: response.status, code: problemCode(response.body) };
        const reply = await settledReply(client, conversationId, response.body.assistantMessage.id);
        return { name, answer: 202, status: reply.status, error: reply.error };
      }),
    );
    polling = false;
    await poll;

    for (const outcome of outcomes) {
      if (outcome.name === "a question that fits") expect(outcome).toMatchObject({ answer: 202, status: "done" });
      else if (outcome.name === "a run of é (100 KB)")
        // Passes the byte bound, so it is stored and counted, in slices, until it overflows.
        expect(outcome).toMatchObject({
          answer: 202,
          status: "error",
          error: expect.stringMatching(/tokens long; this model reads at most/),
        });
      // Longer than the context by its size alone: refused before anything is stored or counted.
      else expect(outcome).toMatchObject({ answer: 413, code: "message-too-long" });
    }
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(HEALTHZ_BOUND_MS);
  });

  it("refuses a message longer than the context by its size alone, before storing it, saying how long it is at least", async () => {
    const client = users[0] as TestClient;
    const conversationId = await createConversation(client);
    const response = await client.post(`/api/conversations/${conversationId}/messages`, {
      content: "é".repeat(LARGEST_MESSAGE),
    });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({
      code: "message-too-long",
      minimumTokens: expect.any(Number),
      contextTokens: CONTEXT_TOKENS,
      detail: expect.stringMatching(
        /^The message is at least \d+ tokens long; local\/tiny-chat reads at most 16384 at once/,
      ),
    });
    const tree = await client.get<{ data: unknown[] }>(`/api/conversations/${conversationId}/tree`);
    expect(tree.body.data).toEqual([]);
    // An edit is checked the same way.
    const exchange = await sendMessage(client, conversationId, "hello");
    await settledReply(client, conversationId, exchange.assistantMessage.id);
    const edit = await client.patch(`/api/messages/${exchange.userMessage.id}`, {
      content: "😀".repeat(LARGEST_MESSAGE / 2),
    });
    expect(edit.status).toBe(413);
  });

  it("stores a long message that passes the byte bound, and ends its reply with the reason", async () => {
    const client = users[1] as TestClient;
    const conversationId = await createConversation(client);
    const exchange = await sendMessage(client, conversationId, "é".repeat(LARGEST_MESSAGE / 4));
    const reply = await settledReply(client, conversationId, exchange.assistantMessage.id);
    expect(reply.status).toBe("error");
    expect(reply.error).toMatch(
      /^The message is (at least|more than) \d+ tokens long; this model reads at most \d+ at once/,
    );
  });
});

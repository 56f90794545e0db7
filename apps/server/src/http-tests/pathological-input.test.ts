import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

const CONTEXT_TOKENS = 16_384;
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
    const replies = await Promise.all(
      inputs.map(async ([name, content], index) => {
        const client = users[index % users.length] as TestClient;
        const conversationId = await createConversation(client);
        const exchange = await sendMessage(client, conversationId, content as string);
        const reply = await settledReply(client, conversationId, exchange.assistantMessage.id);
        return { name, status: reply.status, error: reply.error };
      }),
    );
    polling = false;
    await poll;

    for (const reply of replies) {
      if (reply.name === "a question that fits") expect(reply).toMatchObject({ status: "done" });
      else
        expect(reply).toMatchObject({
          status: "error",
          error: expect.stringMatching(/tokens long; this model reads at most/),
        });
    }
    expect(latencies.length).toBeGreaterThan(5);
    expect(Math.max(...latencies)).toBeLessThan(HEALTHZ_BOUND_MS);
  });

  it("refuses a message too long for the context by its size, saying how long it is at least", async () => {
    const client = users[0] as TestClient;
    const conversationId = await createConversation(client);
    const exchange = await sendMessage(client, conversationId, "é".repeat(LARGEST_MESSAGE));
    const reply = await settledReply(client, conversationId, exchange.assistantMessage.id);
    expect(reply.status).toBe("error");
    expect(reply.error).toMatch(/^The message is at least \d+ tokens long; this model reads at most \d+ at once/);
  });
});

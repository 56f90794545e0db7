import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Message,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

const CONTEXT = 2048;
const MAX_REPLY_TOKENS = 24;

interface Summary {
  id: string;
  throughMessageId: string;
  coveredMessages: number;
  content: string;
  model: string;
}

describe("long contexts: the summarize strategy puts a stored summary in place of what no longer fits", () => {
  let server: TestServer;
  let modelsDir: string;
  let ada: TestClient;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: CONTEXT },
      chat: { maxReplyTokens: MAX_REPLY_TOKENS },
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await server.reset();
    ada = await signedInAdmin(server);
  });

  async function conversation(body: Record<string, unknown> = { contextStrategy: "summarize" }, client = ada) {
    const created = await client.post<{ id: string; contextStrategy: string }>("/api/conversations", body);
    expect(created.status).toBe(201);
    return created.body;
  }

  /** Sends `turns` long messages one after the other, each reply settled; the replies in order. */
  async function talk(conversationId: string, turns: number, from = 0) {
    const replies: Awaited<ReturnType<typeof settledReply>>[] = [];
    for (let turn = from; turn < from + turns; turn++) {
      const exchange = await sendMessage(
        ada,
        conversationId,
        `Turn ${turn}: my cat Miso likes ${"long walks by the river and ".repeat(10)}fish.`,
      );
      replies.push(await settledReply(ada, conversationId, exchange.assistantMessage.id));
    }
    return replies;
  }

  const path = async (conversationId: string) =>
    (await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages?limit=200`)).body.data;

  it("keeps answering past the context, with a summary written once and reused by the replies after it", async () => {
    const { id, contextStrategy } = await conversation();
    expect(contextStrategy).toBe("summarize");
    const replies = await talk(id, 14);
    for (const reply of replies) {
      expect(reply.status).toBe("done");
      const usage = reply.usage as { promptTokens: number; completionTokens: number };
      expect(usage.promptTokens + usage.completionTokens).toBeLessThanOrEqual(CONTEXT);
    }
    const summarized = replies.filter((reply) => reply.contextSummaryId !== null);
    expect(summarized.length).toBeGreaterThan(0);
    // The early replies saw the whole conversation: no summary until it overflowed.
    expect(replies[0]?.contextSummaryId).toBeNull();
    // Rewritten once every few turns, not for each reply.
    const written = new Set(summarized.map((reply) => reply.contextSummaryId));
    expect(written.size).toBeLessThan(summarized.length);

    // The last reply's prompt: the summary of everything before its newest turns, then those turns.
    const messages = await path(id);
    const last = messages.at(-1) as Message;
    expect(last.contextSummaryId).not.toBeNull();
    const summary = await ada.get<Summary>(`/api/conversations/${id}/summaries/${last.contextSummaryId}`);
    expect(summary.status).toBe(200);
    expect(summary.body.content.trim().length).toBeGreaterThan(0);
    expect(summary.body.model).toBe("local/tiny-chat");
    const firstInContext = messages.length - 1 - (last.contextMessages as number);
    expect(summary.body.throughMessageId).toBe(messages[firstInContext - 1]?.id);
    expect(summary.body.coveredMessages).toBe(firstInContext);

    const listed = await ada.get<{ data: Summary[]; nextCursor: string | null }>(
      `/api/conversations/${id}/summaries?limit=1`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(1);
    expect(written.has(listed.body.data[0]?.id as string)).toBe(true);
    if (written.size > 1) expect(listed.body.nextCursor).not.toBeNull();

    // What summarizing used is in the usage ledger beside the replies.
    const usage = await ada.get<{ totals: { promptTokens: number; calls: number } }>("/api/usage");
    expect(usage.status).toBe(200);
    const repliesPrompt = replies.reduce((sum, reply) => sum + (reply.usage?.promptTokens ?? 0), 0);
    expect(usage.body.totals.promptTokens).toBeGreaterThan(repliesPrompt);
  });

  it("reads a summary only on the branch it was written on, and drops the oldest when asked to", async () => {
    const { id } = await conversation();
    await talk(id, 12);
    const messages = await path(id);
    const last = messages.at(-1) as Message;
    expect(last.contextSummaryId).not.toBeNull();

    // An edit of the newest question: a sibling below the same summarized history reads the same summary.
    const newestQuestion = messages.at(-2) as Message;
    const edited = await ada.patch<{ assistantMessage: { id: string } }>(`/api/messages/${newestQuestion.id}`, {
      content: "And what else does Miso like?",
    });
    expect(edited.status).toBe(202);
    const sibling = await settledReply(ada, id, edited.body.assistantMessage.id);
    expect(sibling.status).toBe("done");
    expect(sibling.contextSummaryId).toBe(last.contextSummaryId);

    // An edit of the first question: a new branch, short, whose replies read no summary of the other one.
    const first = messages[0] as Message;
    const branched = await ada.patch<{ assistantMessage: { id: string } }>(`/api/messages/${first.id}`, {
      content: "A fresh start.",
    });
    const fresh = await settledReply(ada, id, branched.body.assistantMessage.id);
    expect(fresh.status).toBe("done");
    expect(fresh.contextSummaryId).toBeNull();

    // Switched to drop-oldest, the long branch's next reply reads no summary and still fits.
    await ada.post(`/api/messages/${last.id}/activate`);
    const changed = await ada.patch<{ contextStrategy: string }>(`/api/conversations/${id}`, {
      contextStrategy: "drop-oldest",
    });
    expect(changed.body.contextStrategy).toBe("drop-oldest");
    const [dropped] = await talk(id, 1, 100);
    expect(dropped?.status).toBe("done");
    expect(dropped?.contextSummaryId).toBeNull();
    expect(dropped?.contextMessages).toBeLessThan((await path(id)).length - 1);
  });

  it("drops the oldest by default, and refuses a strategy it does not know", async () => {
    const { id, contextStrategy } = await conversation({});
    expect(contextStrategy).toBe("drop-oldest");
    const replies = await talk(id, 10);
    expect(replies.every((reply) => reply.status === "done" && reply.contextSummaryId === null)).toBe(true);
    expect((await ada.get<Summary[]>(`/api/conversations/${id}/summaries`)).body).toEqual({
      data: [],
      nextCursor: null,
    });

    for (const body of [{ contextStrategy: "forget" }, { contextStrategy: 1 }, { contextStrategy: null }]) {
      const created = await ada.post<{ code: string; issues: { field: string }[] }>("/api/conversations", body);
      expect(created.status).toBe(400);
      expect(created.body.code).toBe("validation-failed");
      expect(created.body.issues[0]?.field).toBe("contextStrategy");
      const patched = await ada.patch<{ code: string }>(`/api/conversations/${id}`, body);
      expect(patched.status).toBe(400);
    }
  });

  it("keeps another user's summaries from them, and stops a reply cancelled while it summarizes", async () => {
    const { id } = await conversation();
    const replies = await talk(id, 12);
    const summaryId = replies.at(-1)?.contextSummaryId as string;
    expect(summaryId).toBeTruthy();

    const { client: bob } = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "bob's long password",
    });
    for (const route of [`/api/conversations/${id}/summaries`, `/api/conversations/${id}/summaries/${summaryId}`]) {
      const response = await bob.get<{ code: string }>(route);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe("conversation-not-found");
    }
    const unknown = await ada.get<{ code: string }>(
      `/api/conversations/${id}/summaries/00000000-0000-4000-8000-000000000000`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("summary-not-found");
    const bad = await ada.get<{ code: string }>(`/api/conversations/${id}/summaries/not-a-uuid`);
    expect(bad.status).toBe(400);
    // Bob's own conversation cannot name Ada's summary either.
    const bobs = await conversation({}, bob);
    expect((await bob.get(`/api/conversations/${bobs.id}/summaries/${summaryId}`)).status).toBe(404);

    // Cancelled at once, whether it was summarizing or not: it stops, and the conversation goes on.
    const exchange = await sendMessage(ada, id, `One more: ${"a long question about Miso ".repeat(12)}`);
    const cancelled = await ada.post<{ status: string }>(`/api/messages/${exchange.assistantMessage.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect((await settledReply(ada, id, exchange.assistantMessage.id)).status).toBe("cancelled");
    const [after] = await talk(id, 1, 200);
    expect(after?.status).toBe("done");
    expect(after?.contextSummaryId).not.toBeNull();

    // Deleting the conversation takes its summaries with it from everyone's reach.
    expect((await ada.delete(`/api/conversations/${id}`)).status).toBe(204);
    expect((await ada.get(`/api/conversations/${id}/summaries/${summaryId}`)).status).toBe(404);
  });
});

/**
 * Hearth B is a real OpenAI-compatible server whose model reads 2,048 tokens and says so to no one
 * (its /v1/models has no context length): Hearth A guesses 8,192, is refused as too long, and builds
 * the prompt again for half the guess until it fits.
 */
describe("long contexts with a remote provider whose context is unknown", () => {
  let remote: OpenAiTestServer;
  let hearth: TestServer;
  let admin: TestClient;
  beforeAll(async () => {
    remote = await startOpenAiTestServer({ engine: { contextSize: CONTEXT }, chat: { maxReplyTokens: 400 } });
    hearth = await startTestServer({
      modelsDir: "/nonexistent-models-dir",
      chat: { maxReplyTokens: MAX_REPLY_TOKENS },
    });
    admin = await signedInAdmin(hearth);
    const created = await admin.post("/api/admin/providers", {
      id: "hearth-b",
      kind: "openai-compatible",
      baseUrl: `${remote.server.url}/v1`,
      apiKey: remote.apiKey,
      timeoutSeconds: 30,
    });
    expect(created.status, created.text).toBe(201);
  });
  afterAll(async () => {
    await hearth.close();
    await remote.close();
  });

  for (const contextStrategy of ["drop-oldest", "summarize"] as const) {
    it(`never fails on a long conversation (${contextStrategy})`, async () => {
      const created = await admin.post<{ id: string }>("/api/conversations", {
        model: `hearth-b/${TEST_MODEL}`,
        contextStrategy,
      });
      expect(created.status).toBe(201);
      const id = created.body.id;
      const replies = [];
      for (let turn = 0; turn < 16; turn++) {
        // Both servers' clocks stand still unless moved: a minute a turn keeps their rate limits out of the way.
        hearth.clock.advance(60);
        remote.server.clock.advance(60);
        const exchange = await sendMessage(admin, id, `Turn ${turn}: ${"my cat Miso likes the river ".repeat(12)}`);
        replies.push(await settledReply(admin, id, exchange.assistantMessage.id));
      }
      for (const reply of replies) expect(reply.status, reply.error ?? "").toBe("done");
      const last = replies.at(-1);
      // Far more than 2,048 tokens were said: the last prompt held only part of it.
      expect(last?.contextMessages).toBeLessThan(31);
      if (contextStrategy === "summarize") {
        const summarized = replies.filter((reply) => reply.contextSummaryId !== null);
        expect(summarized.length).toBeGreaterThan(0);
        const summary = await admin.get<Summary>(
          `/api/conversations/${id}/summaries/${summarized.at(-1)?.contextSummaryId}`,
        );
        expect(summary.body.model).toBe(`hearth-b/${TEST_MODEL}`);
      } else {
        expect(last?.contextSummaryId).toBeNull();
      }
    });
  }
});

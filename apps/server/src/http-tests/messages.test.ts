import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  assembledText,
  createConversation,
  EventRecorder,
  type Exchange,
  endOf,
  type Message,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

const MAX_REPLY_TOKENS = 24;

describe("messages: the real engine writes replies into branching conversations", () => {
  let server: TestServer;
  let modelsDir: string;
  let ada: TestClient;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
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

  const newConversation = (client = ada) => createConversation(client);
  const settled = settledReply;
  const send = (conversationId: string, content: string, extra: Record<string, unknown> = {}) =>
    sendMessage(ada, conversationId, content, extra);

  it("answers 202 with the stored message and a pending reply, which streams to done with usage", async () => {
    const conversationId = await newConversation();
    const events = await EventRecorder.follow(ada, conversationId);
    const exchange = await send(conversationId, "Hello there");
    expect(exchange.userMessage).toMatchObject({
      conversationId,
      parentId: null,
      role: "user",
      content: "Hello there",
      status: "done",
      siblingIds: [exchange.userMessage.id],
    });
    expect(exchange.assistantMessage).toMatchObject({
      parentId: exchange.userMessage.id,
      role: "assistant",
      content: "",
      status: "pending",
      model: "local/tiny-chat",
    });
    const replyId = exchange.assistantMessage.id;
    await events.waitFor((received) => endOf(received, replyId) !== undefined);
    await events.close();

    const ids = events.events.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(events.events.slice(0, 2).map((event) => event.type)).toEqual(["message.created", "message.created"]);
    expect(endOf(events.events, replyId)).toEqual({
      messageId: replyId,
      status: "done",
      usage: { promptTokens: expect.any(Number), completionTokens: MAX_REPLY_TOKENS },
      contextMessages: 1,
      contextSummaryId: null,
      memoryUsed: null,
    });

    const path = await ada.get<{ data: Message[]; nextCursor: string | null }>(
      `/api/conversations/${conversationId}/messages`,
    );
    expect(path.body.nextCursor).toBeNull();
    expect(path.body.data.map((message) => message.id)).toEqual([exchange.userMessage.id, replyId]);
    const reply = path.body.data[1] as Message;
    expect(reply.status).toBe("done");
    expect(reply.content.length).toBeGreaterThan(0);
    expect(reply.content).toBe(assembledText(events.events, replyId));
    expect(reply.contextMessages).toBe(1);
  });

  it("titles a new conversation after the first exchange, and never a named one", async () => {
    const conversationId = await newConversation();
    const events = await EventRecorder.follow(ada, conversationId);
    await send(conversationId, "Plan a weekend in Lisbon");
    const [updated] = (
      await events.waitFor((received) => received.some((e) => e.type === "conversation.updated"))
    ).flatMap((event) => (event.type === "conversation.updated" ? [event.data] : []));
    await events.close();
    expect(updated?.id).toBe(conversationId);
    const title = (await ada.get<{ title: string }>(`/api/conversations/${conversationId}`)).body.title;
    expect(title).toBe(updated?.title);
    expect(title).not.toBe("New conversation");
    expect(title).toMatch(/^\P{Cc}{1,80}$/u);

    const named = (await ada.post<{ id: string }>("/api/conversations", { title: "Mine" })).body.id;
    const exchange = await send(named, "Hi");
    await settled(ada, named, exchange.assistantMessage.id);
    // Titling runs after the reply settles; a later message's reply gives it time to have happened.
    const next = await send(named, "Again");
    await settled(ada, named, next.assistantMessage.id);
    expect((await ada.get<{ title: string }>(`/api/conversations/${named}`)).body.title).toBe("Mine");
  });

  it("branches by edit and by regenerate, never overwriting, and switches between branches", async () => {
    const conversationId = await newConversation();
    const first = await send(conversationId, "First question");
    await settled(ada, conversationId, first.assistantMessage.id);
    const second = await send(conversationId, "Second question");
    await settled(ada, conversationId, second.assistantMessage.id);

    // Regenerate the second reply: a sibling reply under the same question.
    const regenerated = await ada.post<{ assistantMessage: Message }>(
      `/api/messages/${second.assistantMessage.id}/regenerate`,
    );
    expect(regenerated.status, regenerated.text).toBe(202);
    const again = regenerated.body.assistantMessage;
    expect(again).toMatchObject({ parentId: second.userMessage.id, status: "pending" });
    expect(again.siblingIds).toEqual([second.assistantMessage.id, again.id]);
    await settled(ada, conversationId, again.id);

    // Edit the second question: a sibling question with its own reply.
    const edited = await ada.patch<Exchange>(`/api/messages/${second.userMessage.id}`, { content: "Second, reworded" });
    expect(edited.status, edited.text).toBe(202);
    expect(edited.body.userMessage).toMatchObject({ parentId: first.assistantMessage.id, content: "Second, reworded" });
    expect(edited.body.userMessage.siblingIds).toEqual([second.userMessage.id, edited.body.userMessage.id]);
    await settled(ada, conversationId, edited.body.assistantMessage.id);

    const pathIds = async () =>
      (await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`)).body.data.map((m) => m.id);
    expect(await pathIds()).toEqual([
      first.userMessage.id,
      first.assistantMessage.id,
      edited.body.userMessage.id,
      edited.body.assistantMessage.id,
    ]);

    // Back to the original question: its newest reply (the regenerated one) is shown.
    const switched = await ada.post<{ data: Message[] }>(`/api/messages/${second.userMessage.id}/activate`);
    expect(switched.status).toBe(200);
    expect(switched.body.data.map((message) => message.id)).toEqual([
      first.userMessage.id,
      first.assistantMessage.id,
      second.userMessage.id,
      again.id,
    ]);
    expect(await pathIds()).toEqual(switched.body.data.map((message) => message.id));
    await ada.post(`/api/messages/${second.assistantMessage.id}/activate`);
    expect((await pathIds()).at(-1)).toBe(second.assistantMessage.id);

    // Every node is still there, unchanged.
    const tree = await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/tree`);
    expect(tree.body.data).toHaveLength(7);
    expect(tree.body.data.find((message) => message.id === second.userMessage.id)?.content).toBe("Second question");

    // A message sent now follows the active branch.
    const followUp = await send(conversationId, "Follow-up");
    expect(followUp.userMessage.parentId).toBe(second.assistantMessage.id);
    await settled(ada, conversationId, followUp.assistantMessage.id);
  });

  it("cancels a reply and keeps its partial text; one user's replies in progress are limited", async () => {
    await server.close();
    // Replies of up to 8,000 tokens, so the cancel lands mid-reply even when the test's own requests are slow
    // (CI's PostgreSQL pass once saw a 600-token reply finish first).
    const longModelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(longModelsDir, "tiny-chat.gguf"), { contextLength: 16384 });
    try {
      server = await startTestServer({
        modelsDir: longModelsDir,
        engine: { gpu: "off", contextSize: 16384 },
        chat: { maxReplyTokens: 8000, maxRepliesInProgress: 1 },
      });
      ada = await signedInAdmin(server);
      await cancelsMidReply();
    } finally {
      await server.close();
      await rm(longModelsDir, { recursive: true, force: true });
      server = await startTestServer({
        modelsDir,
        engine: { gpu: "off", contextSize: 512 },
        chat: { maxReplyTokens: MAX_REPLY_TOKENS },
      });
    }
  });

  async function cancelsMidReply(): Promise<void> {
    const conversationId = await newConversation();
    const elsewhere = await newConversation();
    const events = await EventRecorder.follow(ada, conversationId);
    const exchange = await send(conversationId, "Tell me a long story");
    const replyId = exchange.assistantMessage.id;
    await events.waitFor((received) => assembledText(received, replyId).length > 0);
    const refused = await ada.post(`/api/conversations/${elsewhere}/messages`, { content: "Me too" });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: "too-many-replies", limit: 1 });
    const cancelled = await ada.post<{ assistantMessage: Message }>(`/api/messages/${replyId}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    const reply = cancelled.body.assistantMessage;
    expect(reply.status).toBe("cancelled");
    expect(reply.usage?.completionTokens).toBeLessThan(8000);
    await events.waitFor((received) => endOf(received, replyId) !== undefined);
    await events.close();
    expect(endOf(events.events, replyId)).toMatchObject({ status: "cancelled" });
    expect(reply.content).toBe(assembledText(events.events, replyId));
    expect(reply.content.length).toBeGreaterThan(0);

    const again = await ada.post(`/api/messages/${replyId}/cancel`);
    expect(again.status).toBe(200);
    // The next reply may be written, and is short: this conversation's own reply length.
    const shortened = await ada.patch(`/api/conversations/${conversationId}`, { sampling: { maxOutputTokens: 16 } });
    expect(shortened.status, shortened.text).toBe(200);
    const other = await send(conversationId, "Short one");
    const done = await settled(ada, conversationId, other.assistantMessage.id);
    expect(done.status).toBe("done");
    const finished = await ada.post(`/api/messages/${other.assistantMessage.id}/cancel`);
    expect(finished.status).toBe(409);
    expect(finished.body).toMatchObject({ code: "reply-finished", status: "done" });
  }

  it("builds the prompt from the newest turns that fit the context, on a long history", async () => {
    const conversationId = await newConversation();
    let last: Exchange | undefined;
    for (let turn = 0; turn < 12; turn++) {
      last = await send(conversationId, `Turn ${turn}: ${"words of a long question ".repeat(6)}`);
      await settled(ada, conversationId, last.assistantMessage.id);
    }
    const reply = await settled(ada, conversationId, (last as Exchange).assistantMessage.id);
    expect(reply.status).toBe("done");
    // 24 messages on the path; a 512-token context holds only the newest few.
    expect(reply.contextMessages).toBeGreaterThanOrEqual(1);
    expect(reply.contextMessages).toBeLessThan(24);
    // Prompt and reply fit the context as counted by the model's own template: nothing was shifted out.
    const usage = reply.usage as { promptTokens: number; completionTokens: number };
    expect(usage.completionTokens).toBe(MAX_REPLY_TOKENS);
    expect(usage.promptTokens + usage.completionTokens).toBeLessThanOrEqual(512);
    expect(usage.promptTokens).toBeGreaterThan(512 / 2);

    const tooLong = await send(conversationId, "x".repeat(5000));
    const failed = await settled(ada, conversationId, tooLong.assistantMessage.id);
    expect(failed.status).toBe("error");
    expect(failed.error).toMatch(/tokens long; this model reads at most/);
  });

  it("pages the active path from the newest end with a cursor", async () => {
    const conversationId = await newConversation();
    const sent: Exchange[] = [];
    for (let turn = 0; turn < 3; turn++) {
      const exchange = await send(conversationId, `Turn ${turn}`);
      await settled(ada, conversationId, exchange.assistantMessage.id);
      sent.push(exchange);
    }
    const all = sent.flatMap((exchange) => [exchange.userMessage.id, exchange.assistantMessage.id]);
    const newest = await ada.get<{ data: Message[]; nextCursor: string }>(
      `/api/conversations/${conversationId}/messages?limit=4`,
    );
    expect(newest.body.data.map((message) => message.id)).toEqual(all.slice(2));
    const older = await ada.get<{ data: Message[]; nextCursor: string | null }>(
      `/api/conversations/${conversationId}/messages?limit=4&cursor=${newest.body.nextCursor}`,
    );
    expect(older.body).toMatchObject({ nextCursor: null });
    expect(older.body.data.map((message) => message.id)).toEqual(all.slice(0, 2));
  });

  it("takes concurrent sends: siblings under one parent, a 409 for a busy branch, replies queued for the model", async () => {
    const conversationId = await newConversation();
    const first = await send(conversationId, "Start");
    await settled(ada, conversationId, first.assistantMessage.id);

    const parentId = first.assistantMessage.id;
    const siblings = await Promise.all(
      ["one", "two", "three"].map((content) =>
        ada.post<Exchange>(`/api/conversations/${conversationId}/messages`, { content, parentId }),
      ),
    );
    expect(siblings.map((response) => response.status)).toEqual([202, 202, 202]);
    const questionIds = siblings.map((response) => response.body.userMessage.id);
    for (const response of siblings) {
      expect((await settled(ada, conversationId, response.body.assistantMessage.id)).status).toBe("done");
    }

    // Without a parent, both go to the active branch: one gets in, the other waits its turn (409).
    const others = await Promise.all(
      [1, 2].map((turn) => ada.post<Exchange>(`/api/conversations/${conversationId}/messages`, { content: `${turn}` })),
    );
    expect(others.map((response) => response.status).sort()).toEqual([202, 409]);

    const elsewhere = await Promise.all([newConversation(), newConversation()]);
    const parallel = await Promise.all(elsewhere.map((id) => send(id, "In parallel")));
    const replies = [
      ...others
        .filter((response) => response.status === 202)
        .map((response) => [conversationId, response.body.assistantMessage.id] as const),
      ...parallel.map((exchange, index) => [elsewhere[index] as string, exchange.assistantMessage.id] as const),
    ];
    for (const [id, replyId] of replies) {
      expect((await settled(ada, id, replyId)).status).toBe("done");
    }
    const tree = await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/tree`);
    const children = tree.body.data.filter((message) => message.parentId === parentId).map((message) => message.id);
    expect(children).toEqual(expect.arrayContaining(questionIds));
    expect(children).toHaveLength(3);
  });

  describe("bad input", () => {
    it("names a missing or invalid field", async () => {
      const conversationId = await newConversation();
      const missing = await ada.post(`/api/conversations/${conversationId}/messages`, {});
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({
        code: "validation-failed",
        issues: [{ field: "content", message: "is required" }],
      });
      const blank = await ada.post(`/api/conversations/${conversationId}/messages`, { content: "   " });
      expect(blank.body).toMatchObject({ issues: [{ field: "content", message: "must not be blank" }] });
      const nul = await ada.post(`/api/conversations/${conversationId}/messages`, { content: "a\u0000b" });
      expect(nul.status).toBe(400);
      const huge = await ada.post(`/api/conversations/${conversationId}/messages`, { content: "x".repeat(200_001) });
      expect(huge.status).toBe(400);
      const badParent = await ada.post(`/api/conversations/${conversationId}/messages`, {
        content: "hi",
        parentId: "not-a-uuid",
      });
      expect(badParent.body).toMatchObject({ issues: [{ field: "parentId", message: "must be a UUID" }] });
      const badCursor = await ada.get(`/api/conversations/${conversationId}/messages?cursor=zzz`);
      expect(badCursor.status).toBe(400);
      const badEventId = await ada.get(`/api/conversations/${conversationId}/events`, {
        headers: { "Last-Event-ID": "abc" },
      });
      expect(badEventId.status).toBe(400);
      expect(badEventId.body).toMatchObject({ issues: [{ field: "Last-Event-ID" }] });
    });

    it("answers 404 for unknown ids and 422 for an unknown model, storing nothing", async () => {
      const unknown = "00000000-0000-4000-8000-000000000000";
      const conversationId = await newConversation();
      expect((await ada.post(`/api/conversations/${unknown}/messages`, { content: "hi" })).body).toMatchObject({
        code: "conversation-not-found",
      });
      const parent = await ada.post(`/api/conversations/${conversationId}/messages`, {
        content: "hi",
        parentId: unknown,
      });
      expect(parent.status).toBe(404);
      expect(parent.body).toMatchObject({ code: "message-not-found", messageId: unknown });
      for (const path of [`/api/messages/${unknown}/regenerate`, `/api/messages/${unknown}/cancel`]) {
        expect((await ada.post(path)).status).toBe(404);
      }
      expect((await ada.patch(`/api/messages/${unknown}`, { content: "x" })).status).toBe(404);
      expect((await ada.get(`/api/conversations/${unknown}/events`)).status).toBe(404);
      expect((await ada.get(`/api/conversations/${unknown}/tree`)).status).toBe(404);

      const model = await ada.post(`/api/conversations/${conversationId}/messages`, {
        content: "hi",
        model: "no-such-model",
      });
      expect(model.status).toBe(422);
      expect(model.body).toMatchObject({
        code: "model-not-found",
        model: "no-such-model",
        installed: ["local/tiny-chat"],
      });
      expect((await ada.get<{ data: unknown[] }>(`/api/conversations/${conversationId}/tree`)).body.data).toEqual([]);
    });

    it("refuses to edit a reply, regenerate a question, or answer a reply still being written", async () => {
      const conversationId = await newConversation();
      const exchange = await send(conversationId, "Hi");
      const busy = await ada.post(`/api/conversations/${conversationId}/messages`, { content: "again" });
      // The reply may finish first on a fast machine; if not, the answer is a 409.
      if (busy.status !== 202) expect(busy.body).toMatchObject({ code: "reply-in-progress" });
      await settled(ada, conversationId, exchange.assistantMessage.id);
      const editReply = await ada.patch(`/api/messages/${exchange.assistantMessage.id}`, { content: "x" });
      expect(editReply.status).toBe(422);
      expect(editReply.body).toMatchObject({ code: "wrong-message-role" });
      const regenerateQuestion = await ada.post(`/api/messages/${exchange.userMessage.id}/regenerate`);
      expect(regenerateQuestion.body).toMatchObject({ code: "wrong-message-role" });
      const answerQuestion = await ada.post(`/api/conversations/${conversationId}/messages`, {
        content: "x",
        parentId: exchange.userMessage.id,
      });
      expect(answerQuestion.status).toBe(422);
    });

    it("hides another user's conversation, messages and event stream behind 404", async () => {
      const conversationId = await newConversation();
      const exchange = await send(conversationId, "Private");
      await settled(ada, conversationId, exchange.assistantMessage.id);
      const { client: bob } = await signedInUser(server, ada, {
        username: "bob",
        email: "bob@example.com",
        password: "another long password",
      });
      const bobs = [
        await bob.get(`/api/conversations/${conversationId}/messages`),
        await bob.get(`/api/conversations/${conversationId}/tree`),
        await bob.get(`/api/conversations/${conversationId}/events`),
        await bob.post(`/api/conversations/${conversationId}/messages`, { content: "hi" }),
        await bob.patch(`/api/messages/${exchange.userMessage.id}`, { content: "mine now" }),
        await bob.post(`/api/messages/${exchange.assistantMessage.id}/regenerate`),
        await bob.post(`/api/messages/${exchange.assistantMessage.id}/cancel`),
        await bob.post(`/api/messages/${exchange.assistantMessage.id}/activate`),
        await bob.post(`/api/conversations/${conversationId}/messages`, {
          content: "hi",
          parentId: exchange.assistantMessage.id,
        }),
      ];
      expect(bobs.map((response) => response.status)).toEqual(Array(bobs.length).fill(404));
      // And another user's message cannot be named as a parent in one's own conversation.
      const own = (await bob.post<{ id: string }>("/api/conversations", {})).body.id;
      const crossed = await bob.post(`/api/conversations/${own}/messages`, {
        content: "hi",
        parentId: exchange.assistantMessage.id,
      });
      expect(crossed.status).toBe(404);
      expect((await ada.get<{ data: unknown[] }>(`/api/conversations/${conversationId}/tree`)).body.data).toHaveLength(
        2,
      );
    });
  });
});

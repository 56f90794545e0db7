import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation, EventRecorder, type Message, signedInUser, type TestClient } from "../testing/index.ts";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

const weather = {
  type: "function" as const,
  name: "get_weather",
  parameters: { type: "object", properties: { city: { enum: ["Oslo", "Lima"] } }, required: ["city"] },
  strict: true,
};

describe("/v1 exchanges stored with metadata.hearth_conversation_id", () => {
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  const messagesOf = async (client: TestClient, conversationId: string) =>
    (await client.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`)).body.data;

  beforeAll(async () => {
    // Qwen 2.5's template, for function calls; the model never ends a reply by itself.
    hearth = await startOpenAiTestServer({ engine: { contextSize: 1024 } }, { model: { chatTemplate: "qwen2.5" } });
    openai = hearth.openai();
  });
  afterAll(() => hearth.close());

  it("stores a chat completion's last user message and its reply, which the conversation's stream hears", async () => {
    const conversationId = await createConversation(hearth.admin);
    const events = await EventRecorder.follow(hearth.admin, conversationId);
    const completion = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "An earlier question" },
        { role: "assistant", content: "An earlier answer" },
        { role: "user", content: "What is new?" },
      ],
      max_tokens: 5,
      metadata: { hearth_conversation_id: conversationId, client: "test" },
    });
    const [question, answer] = await messagesOf(hearth.admin, conversationId);
    expect(question).toMatchObject({ role: "user", content: "What is new?", status: "done", parentId: null });
    expect(answer).toMatchObject({
      role: "assistant",
      parentId: question?.id,
      content: completion.choices[0]?.message.content,
      status: "done",
      model: TEST_MODEL,
      usage: { completionTokens: 5, promptTokens: completion.usage?.prompt_tokens },
    });
    const heard = await events.waitFor((received) => received.some((event) => event.type === "message.done"));
    expect(heard.map((event) => event.type)).toEqual(["message.created", "message.created", "message.done"]);
    expect(heard[1]?.data).toMatchObject({ id: answer?.id, content: answer?.content });
    expect(heard[2]?.data).toMatchObject({ messageId: answer?.id, status: "done" });
    await events.close();
  });

  it("stores a streamed chat completion and a response under the active message, one after another", async () => {
    const conversationId = await createConversation(hearth.admin);
    const metadata = { hearth_conversation_id: conversationId };
    const stream = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: "user", content: "First" }],
      max_tokens: 4,
      stream: true,
      metadata,
    });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? "";
    const response = await openai.responses.create({
      model: TEST_MODEL,
      input: "Second",
      max_output_tokens: 4,
      metadata,
    });
    const stored = await messagesOf(hearth.admin, conversationId);
    expect(stored.map((message) => [message.role, message.content])).toEqual([
      ["user", "First"],
      ["assistant", streamed],
      ["user", "Second"],
      ["assistant", response.output_text],
    ]);
    expect(stored[2]?.parentId).toBe(stored[1]?.id);
  });

  it("stores a question once the model answers it, with the function call and output that came between", async () => {
    const conversationId = await createConversation(hearth.admin);
    const metadata = { hearth_conversation_id: conversationId };
    const question = { role: "user" as const, content: "Weather in Oslo?" };
    const first = await openai.responses.create({
      model: TEST_MODEL,
      input: [question],
      tools: [weather],
      tool_choice: "required",
      metadata,
    });
    // A reply that only calls a function answers nothing yet.
    expect(await messagesOf(hearth.admin, conversationId)).toEqual([]);
    const call = first.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call") throw new Error("no function call");
    const second = await openai.responses.create({
      model: TEST_MODEL,
      input: [question, call, { type: "function_call_output", call_id: call.call_id, output: "sunny" }],
      tools: [weather],
      tool_choice: "none",
      max_output_tokens: 4,
      metadata,
    });
    const [asked, answered] = await messagesOf(hearth.admin, conversationId);
    expect(asked).toMatchObject({ role: "user", content: "Weather in Oslo?" });
    expect(answered?.content).toBe(second.output_text);
    expect(answered?.parts).toEqual([
      { type: "tool-call", offset: 0, toolCallId: call.call_id, toolName: "get_weather", input: call.arguments },
      {
        type: "tool-result",
        offset: 0,
        toolCallId: call.call_id,
        toolName: "get_weather",
        output: "sunny",
        isError: false,
      },
    ]);
  });

  it("answers another user's conversation, or one that does not exist, as not found, and writes nothing", async () => {
    await signedInUser(hearth.server, hearth.admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    const bob = hearth.server.client();
    await bob.logIn("bob@example.com", "bob password 1");
    const bobsConversation = await createConversation(bob);
    const before = await hearth.server.metricsText();
    for (const conversationId of [bobsConversation, "00000000-0000-4000-8000-000000000000"]) {
      const attempt = openai.chat.completions.create({
        model: TEST_MODEL,
        messages: [{ role: "user", content: "Let me in" }],
        max_tokens: 2,
        metadata: { hearth_conversation_id: conversationId },
      });
      await expect(attempt).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      await expect(attempt).rejects.toMatchObject({
        code: "conversation_not_found",
        param: "metadata.hearth_conversation_id",
        type: "not_found_error",
      });
    }
    expect(await messagesOf(bob, bobsConversation)).toEqual([]);
    // Refused before any model call: no tokens were written.
    const tokens = (text: string) => text.match(/hearth_tokens_generated_total\{[^}]*\} (\d+)/)?.[1];
    expect(tokens(await hearth.server.metricsText())).toBe(tokens(before));
  });

  it("keeps to the owner's storage quota: refused before the model writes, or told once the reply is written", async () => {
    const { id: carolId } = await signedInUser(hearth.server, hearth.admin, {
      username: "carol",
      email: "carol@example.com",
      password: "carol password 1",
    });
    await hearth.admin.patch(`/api/admin/users/${carolId}/limits`, { storageBytes: 20 });
    const carol = hearth.server.client();
    await carol.logIn("carol@example.com", "carol password 1");
    const conversationId = await createConversation(carol);
    const carolsClient = hearth.openai((await carol.post<{ key: string }>("/api/api-keys", { name: "c" })).body.key);
    const metadata = { hearth_conversation_id: conversationId };
    const tooLong = carolsClient.responses.create({
      model: TEST_MODEL,
      input: "A question far longer than twenty bytes",
      metadata,
    });
    await expect(tooLong).rejects.toMatchObject({ status: 413, code: "storage_quota_exceeded" });
    // "Hi" fits; a reply of 40 tokens (a byte or more each) does not.
    const messages = [{ role: "user" as const, content: "Hi" }];
    const whole = carolsClient.chat.completions.create({ model: TEST_MODEL, messages, max_tokens: 40, metadata });
    await expect(whole).rejects.toMatchObject({ status: 413, code: "storage_quota_exceeded" });
    const stream = await carolsClient.chat.completions.create({
      model: TEST_MODEL,
      messages,
      max_tokens: 40,
      metadata,
      stream: true,
    });
    const read = async () => {
      for await (const _ of stream);
    };
    await expect(read()).rejects.toThrow(/^The reply was not stored in conversation .*past your quota/);
    expect(await messagesOf(carol, conversationId)).toEqual([]);
  });

  it("refuses metadata naming a conversation when there is no user message to store", async () => {
    const conversationId = await createConversation(hearth.admin);
    const attempt = openai.chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: "system", content: "Only a system message" }],
      metadata: { hearth_conversation_id: conversationId },
    });
    await expect(attempt).rejects.toMatchObject({ status: 400, param: "metadata.hearth_conversation_id" });
  });
});

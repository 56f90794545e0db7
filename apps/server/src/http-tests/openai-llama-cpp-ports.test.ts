/**
 * Cases of llama.cpp's OpenAI-compatibility suite (tools/server/tests/unit/test_chat_completion.py),
 * ported to Hearth's /v1 with the openai client. The random-weight test model writes no words, so
 * where llama.cpp matches a regex on the text these check its shape; where Hearth answers otherwise
 * on purpose (n > 1, the context error's type), the test says so.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

const book = (question: string | { type: "text"; text: string }[]) => [
  { role: "system" as const, content: "Book" },
  { role: "user" as const, content: question },
];

describe("llama.cpp's chat completion cases", () => {
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  beforeAll(async () => {
    hearth = await startOpenAiTestServer();
    openai = hearth.openai();
  });
  afterAll(() => hearth.close());

  it.each([
    ["a short question", book("Hey"), 8],
    ["a longer question", book("What is the best book"), 8],
    [
      "a question in text parts",
      book([
        { type: "text", text: "What is" },
        { type: "text", text: "the best book" },
      ]),
      8,
    ],
    [
      "a coding question",
      [
        { role: "system" as const, content: "You are a coding assistant." },
        { role: "user" as const, content: "Write the fibonacci function in c++." },
      ],
      128,
    ],
  ])("test_chat_completion: %s runs to max_tokens with its usage counted", async (_, messages, maxTokens) => {
    const completion = await openai.chat.completions.create({ model: TEST_MODEL, messages, max_tokens: maxTokens });
    expect(completion.id).toContain("cmpl");
    expect(completion.usage?.completion_tokens).toBe(maxTokens);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    const [choice] = completion.choices;
    expect(choice?.message.role).toBe("assistant");
    expect(choice?.message.content).toEqual(expect.any(String));
    expect(choice?.finish_reason).toBe("length");
  });

  it("test_chat_completion: text parts count the same words as the text they hold, and more than a shorter question", async () => {
    const usage = async (messages: ReturnType<typeof book>) =>
      (await openai.chat.completions.create({ model: TEST_MODEL, messages, max_tokens: 1 })).usage?.prompt_tokens ?? 0;
    const parts = await usage(
      book([
        { type: "text", text: "What is" },
        { type: "text", text: "the best book" },
      ]),
    );
    expect(parts).toBeGreaterThan(await usage(book("Hey")));
  });

  it("test_chat_completion_stream: the role comes first and only first, the id is the same throughout, the finish chunk has no content", async () => {
    const stream = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: book("What is the best book"),
      max_tokens: 8,
      stream: true,
    });
    let content = "";
    const ids = new Set<string>();
    let index = 0;
    let finishReason: string | null = null;
    for await (const data of stream) {
      const [choice] = data.choices;
      ids.add(data.id);
      expect(data.model).toBe(TEST_MODEL);
      if (index++ === 0) {
        expect(choice?.delta.role).toBe("assistant");
        expect(choice?.delta.content ?? "").toBe("");
      } else expect(choice?.delta).not.toHaveProperty("role");
      if (choice?.finish_reason) {
        expect(choice.delta).not.toHaveProperty("content");
        finishReason = choice.finish_reason;
      } else content += choice?.delta.content ?? "";
    }
    expect(ids.size).toBe(1);
    expect(content.length).toBeGreaterThan(0);
    expect(finishReason).toBe("length");
  });

  it("test_chat_completion_with_openai_library: seed and temperature, to max_tokens", async () => {
    const completion = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: book("What is the best book"),
      max_tokens: 8,
      seed: 42,
      temperature: 0.8,
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.choices[0]?.message.content).not.toBeNull();
  });

  it("test_chat_template_assistant_prefill: a conversation may end with the assistant's own words", async () => {
    for (const prefill of [
      "Whill",
      [
        { type: "text" as const, text: "Wh" },
        { type: "text" as const, text: "ill" },
      ],
    ]) {
      const completion = await openai.chat.completions.create({
        model: TEST_MODEL,
        messages: [...book("What is the best book"), { role: "assistant", content: prefill }],
        max_tokens: 8,
      });
      expect(completion.choices[0]?.finish_reason).toBe("length");
    }
  });

  it.each([
    ["no messages", undefined],
    ["a string", "string"],
    ["a number", [123]],
    ["an empty message", [{}]],
    ["a numeric role", [{ role: 123 }]],
    ["numeric content", [{ role: "system", content: 123 }]],
    ["an empty message after a good one", [{ role: "system", content: "test" }, {}]],
  ])("test_invalid_chat_completion_req: %s is a bad request", async (_, messages) => {
    const attempt = openai.chat.completions.create({ model: TEST_MODEL, messages } as never);
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(attempt).rejects.toMatchObject({ error: { message: expect.stringContaining("messages") } });
  });

  it.each([false, true])(
    "test_context_size_exceeded (stream: %s): a 400 naming the context, before any chunk",
    async (stream) => {
      const messages = Array.from({ length: 100 }, () => book("What is the best book")).flat();
      const attempt = openai.chat.completions.create({ model: TEST_MODEL, messages, stream });
      // llama.cpp names the error type exceed_context_size_error; Hearth uses OpenAI's code for it.
      await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
      await expect(attempt).rejects.toMatchObject({
        code: "context_length_exceeded",
        error: { message: expect.stringContaining("at most 512 tokens") },
      });
    },
  );

  it("test_chat_completions_multiple_choices: n = 2 is refused (llama.cpp writes two; Hearth writes one)", async () => {
    const attempt = openai.chat.completions.create({
      model: TEST_MODEL,
      messages: book("What is the best book"),
      n: 2,
    });
    await expect(attempt).rejects.toMatchObject({ status: 400, param: "n" });
  });

  it.each([
    ["an unknown type", { type: "sound" }],
    ["a schema that is a number", { type: "json_object", schema: 123 }],
    ["a schema whose type is a number", { type: "json_object", schema: { type: 123 } }],
    ["a schema whose type is no type", { type: "json_object", schema: { type: "hiccup" } }],
  ])("test_completion_with_response_format: %s is a bad request", async (_, responseFormat) => {
    const attempt = openai.chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: "user", content: "Write an example" }],
      response_format: responseFormat as never,
    });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it.each([
    ["a const schema on json_object", { type: "json_object", schema: { const: "42" } }, '"42"'],
    [
      "a const schema on json_schema",
      { type: "json_schema", json_schema: { name: "answer", schema: { const: "foooooo" } } },
      '"foooooo"',
    ],
  ])("test_completion_with_response_format: %s forces the reply", async (_, responseFormat, expected) => {
    const completion = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: "user", content: "Write an example" }],
      max_tokens: 10,
      response_format: responseFormat as never,
    });
    expect(completion.choices[0]?.message.content).toBe(expected);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestResponse } from "../testing/index.ts";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const tool = { type: "function", name: "now", parameters: { type: "object", properties: {} } };
const call = { type: "function_call", call_id: "call_1", name: "now", arguments: "{}" };

describe("/v1/responses against hostile input", () => {
  let hearth: OpenAiTestServer;
  const responses: TestResponse[] = [];
  const send = async (body: unknown, raw?: string) => {
    const response = await hearth.server.client().request<OpenAiErrorBody>("POST", "/v1/responses", {
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${hearth.apiKey}` },
      body: raw ?? JSON.stringify(body),
    });
    responses.push(response);
    return response;
  };
  const ask = (fields: Record<string, unknown>) => send({ model: TEST_MODEL, max_output_tokens: 2, ...fields });

  beforeAll(async () => {
    hearth = await startOpenAiTestServer({ server: { bodyLimitBytes: 1024 * 1024 } });
  });
  afterAll(async () => {
    // Whatever came in, the server answered it without failing itself.
    expect(responses.filter((response) => response.status >= 500).map((response) => response.text)).toEqual([]);
    await hearth.close();
  });

  it.each([
    ["input", { input: 42 }, "string or a list"],
    ["input", { input: [] }, "at least one"],
    ["input", {}, "required"],
    ["input.0", { input: [42] }, ""],
    ["input.0.type", { input: [{ type: "image_generation_call", id: "x" }] }, "message, function_call"],
    ["input.0.role", { input: [{ role: "tool", content: "x" }] }, "user, assistant"],
    [
      "input.0.content.0.type",
      { input: [{ role: "user", content: [{ type: "input_image", image_url: "x" }] }] },
      "only text",
    ],
    ["input.0.content", { input: [{ role: "user", content: 5 }] }, "string or a list"],
    ["input.0.call_id", { input: [{ type: "function_call_output", call_id: "call_9", output: "x" }] }, "answers no"],
    ["input.0.name", { input: [{ ...call, name: "bad name!" }] }, "letters"],
    ["previous_response_id", { input: "hi", previous_response_id: "resp_1" }, "stateless"],
    ["conversation", { input: "hi", conversation: "conv_1" }, "stateless"],
    ["background", { input: "hi", background: true }, "stateless"],
    ["tools.0.type", { input: "hi", tools: [{ type: "web_search" }] }, "only function tools"],
    ["tools.1.name", { input: "hi", tools: [tool, tool] }, "named twice"],
    ["tools.0.parameters", { input: "hi", tools: [{ ...tool, parameters: { type: "thing" } }] }, "JSON Schema"],
    ["tool_choice", { input: "hi", tool_choice: "required" }, "needs tools"],
    ["tool_choice.name", { input: "hi", tools: [tool], tool_choice: { type: "function", name: "later" } }, "not among"],
    ["tool_choice", { input: "hi", tools: [tool], tool_choice: { type: "web_search" } }, "'auto'"],
    ["text.format.type", { input: "hi", text: { format: { type: "xml" } } }, "json_schema"],
    ["text.format.schema", { input: "hi", text: { format: { type: "json_schema", name: "x" } } }, ""],
    ["max_output_tokens", { input: "hi", max_output_tokens: 0 }, ""],
    ["temperature", { input: "hi", temperature: "warm" }, ""],
    ["metadata.hearth_conversation_id", { input: "hi", metadata: { hearth_conversation_id: "nope" } }, "UUID"],
    ["metadata.a", { input: "hi", metadata: { a: 1 } }, ""],
    ["model", { input: "hi", model: "" }, ""],
  ])("refuses %s as a bad request naming it (%#)", async (param, fields, message) => {
    const response = await ask(fields);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: "invalid_request_error", param });
    expect(response.body.error.message).toContain(message);
  });

  it("ignores fields it has no use for, and reasoning items clients send back", async () => {
    const response = await ask({
      input: [
        { type: "reasoning", id: "rs_1", summary: [] },
        { role: "user", content: "hi" },
      ],
      store: true,
      include: ["reasoning.encrypted_content"],
      truncation: "auto",
      user: "me",
      prompt_cache_key: "k",
    });
    expect(response.status).toBe(200);
  });

  it("answers malformed JSON in OpenAI's shape", async () => {
    const response = await send(undefined, '{"model": "local/tiny-chat", "input": [');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("malformed_json");
  });

  it("refuses an input that cannot fit the context as context_length_exceeded, naming the input", async () => {
    const huge = await ask({ input: "é".repeat(300_000) });
    expect(huge.body.error).toMatchObject({ param: "input", code: "context_length_exceeded" });
    const many = await ask({ input: Array.from({ length: 5_000 }, () => ({ role: "user", content: "word" })) });
    expect(many.body.error).toMatchObject({ param: "input", code: "context_length_exceeded" });
  });

  it("refuses a body over the limit as too large", async () => {
    const response = await ask({ input: "a".repeat(2 * 1024 * 1024) });
    expect(response.status).toBe(413);
  });
});

import OpenAI from "openai";
import type { ResponseInputItem, ResponseStreamEvent } from "openai/resources/responses/responses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "The weather in a city now",
  parameters: {
    type: "object",
    properties: { city: { type: "string", enum: ["Oslo", "Paris", "Lima"] } },
    required: ["city"],
    additionalProperties: false,
  },
  strict: true,
};
const pick = {
  type: "json_schema" as const,
  name: "pick",
  schema: {
    type: "object",
    properties: { color: { enum: ["red", "green"] }, count: { type: "integer", minimum: 1, maximum: 3 } },
    required: ["color", "count"],
  },
};

// The test model's template is Qwen 2.5's, which has its own tool-call syntax; it never ends a reply by itself.
describe("/v1/responses with the official openai client", () => {
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  beforeAll(async () => {
    hearth = await startOpenAiTestServer({ engine: { contextSize: 1024 } }, { model: { chatTemplate: "qwen2.5" } });
    openai = hearth.openai();
  });
  afterAll(() => hearth.close());

  it("answers a string input with a message of output_text, incomplete at max_output_tokens", async () => {
    const response = await openai.responses.create({
      model: TEST_MODEL,
      input: "Tell me a story.",
      max_output_tokens: 8,
    });
    expect(response).toMatchObject({
      object: "response",
      id: expect.stringMatching(/^resp_/),
      model: TEST_MODEL,
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      store: false,
      error: null,
      usage: { output_tokens: 8, input_tokens: expect.any(Number) },
    });
    const [message, ...more] = response.output;
    expect(more).toEqual([]);
    expect(message).toMatchObject({ type: "message", role: "assistant", status: "incomplete", id: expect.any(String) });
    expect(response.output_text.length).toBeGreaterThan(0);
  });

  it("reads instructions and input items, and completes JSON output that matches text.format", async () => {
    const response = await openai.responses.create({
      model: TEST_MODEL,
      instructions: "Answer in JSON.",
      input: [
        { role: "developer", content: "Be brief." },
        { type: "message", role: "user", content: [{ type: "input_text", text: "Pick a color." }] },
      ],
      text: { format: pick },
      max_output_tokens: 64,
    });
    expect(response.status).toBe("completed");
    expect(response.incomplete_details).toBeNull();
    const picked = JSON.parse(response.output_text);
    expect(["red", "green"]).toContain(picked.color);
    expect(response.text?.format).toMatchObject({ type: "json_schema", name: "pick" });
  });

  it("streams OpenAI's event sequence, numbered, whose deltas join into the completed text", async () => {
    const stream = await openai.responses.create({
      model: TEST_MODEL,
      input: "Pick a color.",
      text: { format: pick },
      stream: true,
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    const deltas = events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : []));
    expect(types).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      ...deltas.map(() => "response.output_text.delta"),
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const done = events.find((event) => event.type === "response.output_text.done");
    expect(done?.type === "response.output_text.done" && done.text).toBe(deltas.join(""));
    const completed = events.at(-1);
    if (completed?.type !== "response.completed") throw new Error("no response.completed");
    const [message] = completed.response.output;
    expect(message?.type === "message" && message.content[0]).toMatchObject({
      type: "output_text",
      text: deltas.join(""),
    });
    expect(completed.response.usage?.output_tokens).toBeGreaterThan(0);
    expect(JSON.parse(deltas.join(""))).toMatchObject({ color: expect.any(String) });
  });

  it("answers with a function call when one is required, and is done once it is made", async () => {
    const response = await openai.responses.create({
      model: TEST_MODEL,
      input: "What is the weather in Oslo?",
      tools: [weather],
      tool_choice: "required",
    });
    expect(response.status).toBe("completed");
    const calls = response.output.filter((item) => item.type === "function_call");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ name: "get_weather", call_id: expect.any(String), status: "completed" });
    expect(["Oslo", "Paris", "Lima"]).toContain(JSON.parse(calls[0]?.arguments ?? "").city);
  });

  it("streams a function call's arguments, which the SDK's accumulator puts together", async () => {
    const stream = openai.responses.stream({
      model: TEST_MODEL,
      input: "What is the weather?",
      tools: [weather],
      tool_choice: { type: "function", name: "get_weather" },
    });
    const types: string[] = [];
    let streamed = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.function_call_arguments.delta") streamed += event.delta;
    }
    const response = await stream.finalResponse();
    const call = response.output.find((item) => item.type === "function_call");
    expect(call?.type === "function_call" && call.arguments).toBe(streamed);
    expect(types).toContain("response.function_call_arguments.done");
    expect(types.indexOf("response.output_item.added")).toBeLessThan(
      types.indexOf("response.function_call_arguments.delta"),
    );
    expect(types.at(-1)).toBe("response.completed");
  });

  it("continues after a function call given back with its output", async () => {
    const question = { role: "user" as const, content: "What is the weather in Oslo?" };
    const first = await openai.responses.create({
      model: TEST_MODEL,
      input: [question],
      tools: [weather],
      tool_choice: "required",
    });
    const call = first.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call") throw new Error("no function call");
    const answer = (input: ResponseInputItem[]) =>
      openai.responses.create({
        model: TEST_MODEL,
        input,
        tools: [weather],
        tool_choice: "none",
        max_output_tokens: 6,
      });
    const second = await answer([
      question,
      call,
      { type: "function_call_output", call_id: call.call_id, output: '{"sky":"clear"}' },
    ]);
    expect(second.output.map((item) => item.type)).toEqual(["message"]);
    expect(second.output_text.length).toBeGreaterThan(0);
    // The model read the call and its output.
    const unanswered = await answer([question]);
    expect(second.usage?.input_tokens).toBeGreaterThan(unanswered.usage?.input_tokens ?? 0);
  });

  it("refuses previous_response_id, since nothing is stored to continue from", async () => {
    const attempt = openai.responses.create({ model: TEST_MODEL, input: "Go on.", previous_response_id: "resp_123" });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(attempt).rejects.toMatchObject({
      param: "previous_response_id",
      message: expect.stringContaining("stateless"),
    });
  });

  it("says a model that does not exist is not found", async () => {
    const attempt = openai.responses.create({ model: "local/no-such-model", input: "hi" });
    await expect(attempt).rejects.toMatchObject({ status: 404, code: "model_not_found", param: "model" });
  });
});

import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, jsonSchema, tool } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

const question = [{ role: "user" as const, content: "What is the weather in Oslo?" }];
const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "The weather in a city now",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string", enum: ["Oslo", "Paris", "Lima"] },
        days: { type: "integer", minimum: 1, maximum: 3 },
      },
      required: ["city", "days"],
    },
  },
};
const clock = {
  type: "function" as const,
  function: { name: "get_time", parameters: { type: "object", properties: { zone: { enum: ["UTC", "CET"] } } } },
};

// The test model's template is Qwen 2.5's, which has its own tool-call syntax.
describe("/v1 tool calls and JSON output, on the local engine", () => {
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  beforeAll(async () => {
    hearth = await startOpenAiTestServer({ engine: { contextSize: 1024 } }, { model: { chatTemplate: "qwen2.5" } });
    openai = hearth.openai();
  });
  afterAll(() => hearth.close());

  it("answers with a tool call when one is required, its arguments matching the schema", async () => {
    const completion = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      tools: [weather],
      tool_choice: "required",
    });
    const [choice] = completion.choices;
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(choice?.message.content).toBeNull();
    const [call, ...more] = choice?.message.tool_calls ?? [];
    expect(more).toEqual([]);
    expect(call).toMatchObject({ id: expect.any(String), type: "function", function: { name: "get_weather" } });
    const input = JSON.parse(call?.type === "function" ? call.function.arguments : "");
    expect(["Oslo", "Paris", "Lima"]).toContain(input.city);
    expect([1, 2, 3]).toContain(input.days);
  });

  it("calls the function tool_choice names", async () => {
    const completion = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      tools: [weather, clock],
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    const [call] = completion.choices[0]?.message.tool_calls ?? [];
    expect(call?.type === "function" && call.function.name).toBe("get_time");
  });

  it("streams a tool call: its id and name first, then argument deltas that join into the whole", async () => {
    const stream = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      tools: [weather, clock],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      stream: true,
    });
    const deltas = [];
    let finishReason: string | null = null;
    for await (const chunk of stream) {
      deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
    }
    const [first, ...rest] = deltas;
    expect(first).toMatchObject({
      index: 0,
      id: expect.any(String),
      type: "function",
      function: { name: "get_weather" },
    });
    expect(
      rest.every((delta) => delta.index === 0 && delta.id === undefined && delta.function?.name === undefined),
    ).toBe(true);
    const argumentsText = deltas.map((delta) => delta.function?.arguments ?? "").join("");
    expect(JSON.parse(argumentsText)).toMatchObject({ city: expect.any(String) });
    expect(finishReason).toBe("tool_calls");
  });

  it("never calls a tool with tool_choice none", async () => {
    const completion = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      tools: [weather],
      tool_choice: "none",
      max_tokens: 8,
    });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.finish_reason).toBe("length");
  });

  it("continues after the calls of a step and their results, given back in the messages", async () => {
    const completion = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: [
        ...question,
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Oslo","days":1}' },
            },
            { id: "call_2", type: "function", function: { name: "get_time", arguments: '{"zone":"CET"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: '{"sky":"clear"}' },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "12:00" }] },
      ],
      tools: [weather, clock],
      tool_choice: "none",
      max_tokens: 4,
    });
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(20);
  });

  it("names the field of a schema the model's grammar cannot express", async () => {
    const attempt = openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      tools: [
        {
          type: "function",
          function: {
            name: "note",
            parameters: { type: "object", properties: { a: { type: "string", pattern: "^a" } } },
          },
        },
      ],
    });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(attempt).rejects.toMatchObject({ param: "tools.0.function.parameters.properties.a.pattern" });
  });

  it("refuses JSON output together with tools, naming response_format", async () => {
    const attempt = openai.chat.completions.create({
      model: TEST_MODEL,
      messages: question,
      tools: [weather],
      response_format: { type: "json_object" },
    });
    await expect(attempt).rejects.toMatchObject({ status: 400, param: "response_format" });
  });

  it("writes JSON that matches a json_schema response format", async () => {
    const completion = await openai.chat.completions.create({
      model: TEST_MODEL,
      messages: [{ role: "user", content: "Pick a color." }],
      max_tokens: 64,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "pick",
          schema: {
            type: "object",
            properties: { color: { enum: ["red", "green"] }, count: { type: "integer", minimum: 1, maximum: 3 } },
            required: ["color", "count"],
          },
        },
      },
    });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const picked = JSON.parse(completion.choices[0]?.message.content ?? "");
    expect(["red", "green"]).toContain(picked.color);
    expect([1, 2, 3]).toContain(picked.count);
  });

  it("gives the AI SDK the tool calls it asked for", async () => {
    const provider = createOpenAICompatible({
      name: "hearth",
      baseURL: `${hearth.server.url}/v1`,
      apiKey: hearth.apiKey,
    });
    const result = await generateText({
      model: provider.chatModel(TEST_MODEL),
      prompt: "What time is it?",
      tools: {
        get_time: tool({
          description: "The time now",
          inputSchema: jsonSchema<{ zone: "UTC" | "CET" }>({
            type: "object",
            properties: { zone: { enum: ["UTC", "CET"] } },
            required: ["zone"],
          }),
        }),
      },
      toolChoice: "required",
      maxRetries: 0,
    });
    expect(result.finishReason).toBe("tool-calls");
    expect(result.toolCalls).toMatchObject([
      { toolName: "get_time", input: { zone: expect.stringMatching(/^(UTC|CET)$/) } },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { ChatCompletionRequest } from "./chat-completion-request.ts";
import { findJsonSchemaError } from "./json-schema-check.ts";
import { promptBytes, requestedMaxTokens, toCallOptions } from "./to-call-options.ts";
import { toRequestField } from "./to-request-field.ts";

const parse = (body: Record<string, unknown>) => ChatCompletionRequest.parse({ model: "local/m", ...body });

describe("toCallOptions", () => {
  it("maps OpenAI's messages onto the port's prompt, merging one step's tool results into one message", () => {
    const request = parse({
      messages: [
        {
          role: "developer",
          content: [
            { type: "text", text: "Be brief." },
            { type: "text", text: "Be kind." },
          ],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather" },
            { type: "text", text: " and time?" },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "a", type: "function", function: { name: "weather", arguments: "{}" } },
            { id: "b", type: "function", function: { name: "time", arguments: '{"zone":"CET"}' } },
          ],
        },
        { role: "tool", tool_call_id: "a", content: "sunny" },
        { role: "tool", tool_call_id: "b", content: [{ type: "text", text: "12:00" }] },
      ],
    });
    expect(toCallOptions(request).prompt).toEqual([
      { role: "system", content: "Be brief.\nBe kind." },
      {
        role: "user",
        content: [
          { type: "text", text: "Weather" },
          { type: "text", text: " and time?" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "tool-call", toolCallId: "a", toolName: "weather", input: "{}" },
          { type: "tool-call", toolCallId: "b", toolName: "time", input: '{"zone":"CET"}' },
        ],
      },
      {
        role: "tool",
        content: [
          { type: "tool-result", toolCallId: "a", toolName: "weather", output: "sunny" },
          { type: "tool-result", toolCallId: "b", toolName: "time", output: "12:00" },
        ],
      },
    ]);
  });

  it("maps sampling, stop, tools, tool choice and response format, and leaves out what was not sent", () => {
    const request = parse({
      messages: [{ role: "user", content: "hi" }],
      temperature: 0.5,
      top_p: null,
      top_k: 40,
      min_p: 0.05,
      repeat_penalty: 1.1,
      seed: 7,
      stop: "END",
      tools: [{ type: "function", function: { name: "now" } }],
      tool_choice: { type: "function", function: { name: "now" } },
      parallel_tool_calls: false,
      response_format: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
    });
    const { prompt: _, ...call } = toCallOptions(request);
    expect(call).toEqual({
      temperature: 0.5,
      topK: 40,
      minP: 0.05,
      repeatPenalty: 1.1,
      seed: 7,
      stopSequences: ["END"],
      tools: [{ name: "now", inputSchema: { type: "object", properties: {} } }],
      toolChoice: { type: "tool", toolName: "now" },
      parallelToolCalls: false,
      responseFormat: { type: "json", schema: { type: "object" }, name: "x" },
    });
  });

  it("takes max_completion_tokens over max_tokens", () => {
    const messages = [{ role: "user", content: "hi" }];
    expect(requestedMaxTokens(parse({ messages, max_tokens: 5, max_completion_tokens: 9 }))).toBe(9);
    expect(requestedMaxTokens(parse({ messages, max_tokens: 5 }))).toBe(5);
    expect(requestedMaxTokens(parse({ messages }))).toBeUndefined();
  });

  it("counts the UTF-8 bytes of the messages' text", () => {
    const request = parse({
      messages: [
        { role: "system", content: "é" },
        { role: "user", content: "abc" },
      ],
    });
    expect(promptBytes(toCallOptions(request))).toBe(5);
  });
});

describe("findJsonSchemaError", () => {
  it.each([
    [{ type: "object", properties: { a: { type: "string" }, type: { type: "integer" } } }, undefined],
    [{ anyOf: [{ type: ["string", "null"] }, true] }, undefined],
    [{ type: "hiccup" }, "type"],
    [{ properties: { a: { type: 123 } } }, "properties.a"],
    [{ items: [{ type: "string" }, { type: "nope" }] }, "items.1"],
    [{ properties: 5 }, "properties must be an object"],
  ])("checks %j", (schema, where) => {
    const error = findJsonSchemaError(schema);
    if (where === undefined) expect(error).toBeUndefined();
    else expect(error).toContain(where);
  });
});

describe("toRequestField", () => {
  const request = parse({
    messages: [{ role: "user", content: "hi" }],
    response_format: { type: "json_schema", json_schema: { name: "x" } },
  });
  it.each([
    ["tools[0].inputSchema.properties.a.pattern", "tools.0.function.parameters.properties.a.pattern"],
    ["tools[2].name", "tools.2.function.name"],
    ["toolChoice.toolName", "tool_choice.function.name"],
    ["responseFormat.schema.properties.b", "response_format.json_schema.schema.properties.b"],
    ["responseFormat", "response_format"],
    ["prompt[3].content", "messages"],
  ])("names %s as %s", (option, field) => {
    expect(toRequestField(option, request)).toBe(field);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallOptions, Prompt, StreamPart, ToolDefinition } from "../spec/language-model.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

const question: Prompt = [{ role: "user", content: [{ type: "text", text: "What is the weather in Oslo?" }] }];
const weather: ToolDefinition = {
  name: "get_weather",
  description: "The weather in a city now",
  inputSchema: {
    type: "object",
    properties: {
      city: { type: "string", enum: ["Oslo", "Paris", "Lima"] },
      days: { type: "integer", minimum: 1, maximum: 3 },
      metric: { type: "boolean" },
    },
    required: ["city"],
  },
};
const clock: ToolDefinition = {
  name: "get_time",
  description: "The time now",
  inputSchema: { type: "object", properties: { zone: { enum: ["UTC", "CET"] } } },
};

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const ofType = <T extends StreamPart["type"]>(parts: StreamPart[], type: T) =>
  parts.filter((part): part is Extract<StreamPart, { type: T }> => part.type === type);

describe("LlamaCppProvider with tools", () => {
  let modelsDir: string;
  let provider: LlamaCppProvider;
  const stream = async (modelId: string, options: Omit<CallOptions, "prompt"> & { prompt?: Prompt }) =>
    collect((await provider.languageModel(modelId)).doStream({ prompt: question, ...options }));

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-tools-"));
    await writeTestModel(join(modelsDir, "chatml.gguf"));
    await writeTestModel(join(modelsDir, "qwen.gguf"), { chatTemplate: "qwen2.5" });
    await writeTestModel(join(modelsDir, "caller.gguf"), { chatTemplate: "qwen2.5", callsTools: true });
    // Qwen's template lists the tools in a system prompt of some 600 tokens.
    provider = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 2048 });
  });
  afterAll(async () => {
    await provider.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it.each(["chatml", "qwen"])(
    "forces a call with toolChoice required on the %s model, whose input matches the schema",
    async (model) => {
      for (const seed of [1, 2, 3]) {
        const parts = await stream(model, { tools: [weather, clock], toolChoice: "required", seed, temperature: 1 });
        const [call, ...more] = ofType(parts, "tool-call");
        expect(more).toEqual([]);
        expect(call?.toolCallId).toMatch(/^call_[\w-]{24}$/);
        expect(["get_weather", "get_time"]).toContain(call?.toolName);
        const input = JSON.parse(call?.input as string);
        if (call?.toolName === "get_weather") {
          expect(["Oslo", "Paris", "Lima"]).toContain(input.city);
          expect([1, 2, 3]).toContain(input.days);
          expect(typeof input.metric).toBe("boolean");
        } else expect(["UTC", "CET"]).toContain(input.zone);
        expect(ofType(parts, "text-delta")).toEqual([]);
        expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "tool-calls" });
      }
    },
  );

  it("forces the named tool, streaming its input in deltas that concatenate to the call's input", async () => {
    const parts = await stream("qwen", { tools: [weather, clock], toolChoice: { type: "tool", toolName: "get_time" } });
    const deltas = ofType(parts, "tool-input-delta");
    const [call] = ofType(parts, "tool-call");
    expect(call?.toolName).toBe("get_time");
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.every((delta) => delta.toolCallId === call?.toolCallId && delta.toolName === "get_time")).toBe(true);
    expect(deltas.map((delta) => delta.delta).join("")).toBe(call?.input);
    expect(JSON.parse(call?.input as string)).toEqual({ zone: expect.stringMatching(/^(UTC|CET)$/) });
    // The call comes after its deltas, and the finish last.
    expect(parts.indexOf(call as StreamPart)).toBe(parts.length - 2);
  });

  it("never calls a tool with toolChoice none, and writes text", async () => {
    const parts = await stream("qwen", { tools: [weather], toolChoice: "none", maxOutputTokens: 16 });
    expect(ofType(parts, "tool-call")).toEqual([]);
    expect(ofType(parts, "tool-input-delta")).toEqual([]);
    expect(ofType(parts, "text-delta").length).toBeGreaterThan(0);
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "length", usage: { outputTokens: 16 } });
  });

  it("offers tools with toolChoice auto and lets the model answer in text", async () => {
    for (const model of ["chatml", "qwen"]) {
      const parts = await stream(model, { tools: [weather], maxOutputTokens: 8 });
      expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "length" });
      // The tools' documentation is part of the prompt the model read.
      const plain = await stream(model, { maxOutputTokens: 8 });
      const read = (all: StreamPart[]) => (ofType(all, "finish")[0]?.usage.inputTokens ?? 0) as number;
      expect(read(parts)).toBeGreaterThan(read(plain) + 20);
    }
  });

  it("streams a call the model makes in its template's own syntax under toolChoice auto, then the next step", async () => {
    const first = await stream("caller", { tools: [weather], seed: 4, temperature: 1 });
    expect(ofType(first, "text-delta")).toEqual([]);
    const [call, ...more] = ofType(first, "tool-call");
    expect(more).toEqual([]);
    expect(call).toMatchObject({ toolName: "get_weather", toolCallId: expect.stringMatching(/^call_/) });
    const deltas = ofType(first, "tool-input-delta");
    expect(deltas.every((delta) => delta.toolCallId === call?.toolCallId)).toBe(true);
    expect(deltas.map((delta) => delta.delta).join("")).toBe(call?.input);
    const input = JSON.parse(call?.input as string);
    expect(["Oslo", "Paris", "Lima"]).toContain(input.city);
    expect([1, 2, 3]).toContain(input.days);
    expect(first.at(-1)).toMatchObject({ type: "finish", finishReason: "tool-calls" });

    // With the result in the prompt, this model (which calls after every newline) calls again.
    const { type: _, ...made } = call as Extract<StreamPart, { type: "tool-call" }>;
    const second = await stream("caller", {
      prompt: [
        ...question,
        { role: "assistant", content: [{ type: "tool-call", ...made }] },
        {
          role: "tool",
          content: [{ type: "tool-result", toolCallId: made.toolCallId, toolName: made.toolName, output: "4 °C" }],
        },
      ],
      tools: [weather],
    });
    expect(ofType(second, "tool-call")).toHaveLength(1);
    expect(second.at(-1)).toMatchObject({ type: "finish", finishReason: "tool-calls" });
    expect(ofType(second, "finish")[0]?.usage.inputTokens).toBeGreaterThan(
      ofType(first, "finish")[0]?.usage.inputTokens as number,
    );
  });

  it("ends a forced call that the token limit cuts short as an error that says so", async () => {
    const note: ToolDefinition = {
      name: "note",
      inputSchema: { type: "object", properties: { text: { type: "string" } } },
    };
    const parts = await stream("qwen", { tools: [note], toolChoice: "required", maxOutputTokens: 12 });
    expect(ofType(parts, "tool-call")).toEqual([]);
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      finishReason: "error",
      error: expect.stringContaining("limit of 12 output tokens"),
    });
  });

  it("ends with an abort when stopped during a forced call", async () => {
    const controller = new AbortController();
    const note: ToolDefinition = {
      name: "note",
      inputSchema: { type: "object", properties: { text: { type: "string" } } },
    };
    const parts: StreamPart[] = [];
    const model = await provider.languageModel("qwen");
    for await (const part of model.doStream({
      prompt: question,
      tools: [note],
      toolChoice: "required",
      maxOutputTokens: 400,
      abortSignal: controller.signal,
    })) {
      parts.push(part);
      if (part.type === "tool-input-delta") controller.abort();
    }
    expect(ofType(parts, "tool-input-delta").length).toBeGreaterThan(0);
    expect(ofType(parts, "tool-call")).toEqual([]);
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "abort" });
    expect((parts.at(-1) as Extract<StreamPart, { type: "finish" }>).usage.outputTokens).toBeLessThan(400);
  });

  it("runs and counts a second step with the tool call and its result in the prompt", async () => {
    const [call] = ofType(await stream("qwen", { tools: [clock], toolChoice: "required" }), "tool-call");
    if (call === undefined) throw new Error("no call");
    const { type: _, ...made } = call;
    const second: Prompt = [
      ...question,
      {
        role: "assistant",
        content: [
          { type: "text", text: "Let me look." },
          { type: "tool-call", ...made },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: call.toolCallId,
            toolName: call.toolName,
            output: '{"time":"12:00","note":"the clock on the wall says noon"}',
          },
        ],
      },
    ];
    for (const modelId of ["qwen", "chatml"]) {
      const model = await provider.languageModel(modelId);
      const parts = await collect(
        model.doStream({ prompt: second, tools: [clock], toolChoice: "none", maxOutputTokens: 4 }),
      );
      const finish = ofType(parts, "finish")[0];
      expect(finish).toMatchObject({ finishReason: "length", usage: { outputTokens: 4 } });
      const window = await model.contextWindow();
      // node-llama-cpp's meter books the prompt's last token with the first generated one.
      const counted = await window.countPromptTokens(second);
      expect(counted - (finish?.usage.inputTokens as number)).toBeGreaterThanOrEqual(0);
      expect(counted - (finish?.usage.inputTokens as number)).toBeLessThanOrEqual(1);
      // Counted message by message, the tool result counts too, and the sum never falls short.
      const each = await Promise.all(second.map((message) => window.countMessageTokens(message)));
      expect(each[2]).toBeGreaterThan(5);
      expect((await window.countPromptTokens([])) + each.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(counted);
    }
  });

  it("reports tools as native for a template with its own call syntax and emulated for plain ChatML", async () => {
    // Known once loaded, when the template has been read.
    for (const model of ["caller", "chatml", "qwen"]) await stream(model, { maxOutputTokens: 1 });
    const models = await provider.listModels();
    expect(Object.fromEntries(models.map((model) => [model.id, model.capabilities.tools]))).toEqual({
      caller: "native",
      chatml: "emulated",
      qwen: "native",
    });
  });

  describe("refuses before any part", () => {
    const refusals: [string, Omit<CallOptions, "prompt">, string][] = [
      [
        "a $ref outside the schema",
        {
          tools: [
            { name: "t", inputSchema: { type: "object", properties: { a: { $ref: "https://example.com/a.json" } } } },
          ],
        },
        "tools[0].inputSchema.properties.a.$ref",
      ],
      [
        "a pattern",
        {
          tools: [{ name: "t", inputSchema: { type: "object", properties: { a: { type: "string", pattern: "^a" } } } }],
        },
        "tools[0].inputSchema.properties.a.pattern",
      ],
      [
        "a tool name with spaces",
        { tools: [{ name: "get weather", inputSchema: { type: "object" } }] },
        "tools[0].name",
      ],
      [
        "a schema that is not an object",
        { tools: [{ name: "t", inputSchema: { type: "string" } }] },
        "tools[0].inputSchema",
      ],
      [
        "a named tool that is not offered",
        { tools: [clock], toolChoice: { type: "tool", toolName: "nope" } },
        "toolChoice.toolName",
      ],
      ["required without tools", { toolChoice: "required" }, "toolChoice"],
      ["JSON output with tools", { tools: [clock], responseFormat: { type: "json" } }, "responseFormat"],
    ];
    it.each(refusals)("%s", async (_, options, option) => {
      const attempt = stream("qwen", options);
      await expect(attempt).rejects.toBeInstanceOf(UnsupportedCallOptionError);
      await expect(attempt).rejects.toMatchObject({ option });
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StreamPart, ToolDefinition } from "../spec/language-model.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { clock, ofType, question, startToolModels, type ToolModels, weather } from "./start-tool-models.ts";

describe("LlamaCppProvider forcing a tool call", () => {
  let models: ToolModels;
  const stream: ToolModels["stream"] = (modelId, options) => models.stream(modelId, options);

  beforeAll(async () => {
    models = await startToolModels();
  });
  afterAll(async () => {
    await models.close();
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
    const model = await models.provider.languageModel("qwen");
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

  it("refuses a call it cannot honour before any part, naming the option", async () => {
    const attempt = stream("qwen", { tools: [clock], responseFormat: { type: "json" } });
    await expect(attempt).rejects.toBeInstanceOf(UnsupportedCallOptionError);
    await expect(attempt).rejects.toMatchObject({ option: "responseFormat" });
  });
});

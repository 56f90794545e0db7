import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prompt, StreamPart } from "../spec/language-model.ts";
import { clock, collect, ofType, question, startToolModels, type ToolModels, weather } from "./start-tool-models.ts";

describe("LlamaCppProvider offering tools", () => {
  let models: ToolModels;
  const stream: ToolModels["stream"] = (modelId, options) => models.stream(modelId, options);

  beforeAll(async () => {
    models = await startToolModels();
  });
  afterAll(async () => {
    await models.close();
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
      const model = await models.provider.languageModel(modelId);
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

  it("counts a prompt with the tools it offers as the model reads it, for offered and forced calls", async () => {
    for (const modelId of ["chatml", "qwen"]) {
      const model = await models.provider.languageModel(modelId);
      const window = await model.contextWindow();
      for (const toolChoice of ["auto", "required"] as const) {
        const parts = await collect(
          model.doStream({ prompt: question, tools: [weather], toolChoice, maxOutputTokens: 2 }),
        );
        const read = ofType(parts, "finish")[0]?.usage.inputTokens as number;
        const counted = await window.countPromptTokens(question, undefined, { tools: [weather], toolChoice });
        // node-llama-cpp's meter books the prompt's last token with the first generated one.
        expect(counted - read, `${modelId}, ${toolChoice}`).toBeGreaterThanOrEqual(0);
        expect(counted - read, `${modelId}, ${toolChoice}`).toBeLessThanOrEqual(1);
        expect(counted).toBeGreaterThan(await window.countPromptTokens(question));
      }
    }
  });

  it("reports tools as native for a template with its own call syntax and emulated for plain ChatML", async () => {
    // Known once loaded, when the template has been read.
    for (const model of ["caller", "chatml", "qwen"]) await stream(model, { maxOutputTokens: 1 });
    const listed = await models.provider.listModels();
    expect(Object.fromEntries(listed.map((model) => [model.id, model.capabilities.tools]))).toEqual({
      caller: "native",
      chatml: "emulated",
      qwen: "native",
    });
  });
});

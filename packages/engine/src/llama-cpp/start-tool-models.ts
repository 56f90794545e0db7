/**
 * @module What the tool tests share: tools with small schemas and three generated models, ChatML (tools
 * emulated), Qwen 2.5's template (native) and one that opens every reply with a call in Qwen's syntax.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallOptions, Prompt, StreamPart, ToolDefinition } from "../spec/language-model.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

export const question: Prompt = [{ role: "user", content: [{ type: "text", text: "What is the weather in Oslo?" }] }];
export const weather: ToolDefinition = {
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
export const clock: ToolDefinition = {
  name: "get_time",
  description: "The time now",
  inputSchema: { type: "object", properties: { zone: { enum: ["UTC", "CET"] } } },
};

export async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

export const ofType = <T extends StreamPart["type"]>(parts: StreamPart[], type: T) =>
  parts.filter((part): part is Extract<StreamPart, { type: T }> => part.type === type);

export interface ToolModels {
  provider: LlamaCppProvider;
  /** All parts of a reply of `modelId`, to `question` unless a prompt is given. */
  stream(modelId: string, options: Omit<CallOptions, "prompt"> & { prompt?: Prompt }): Promise<StreamPart[]>;
  close(): Promise<void>;
}

/** Models `chatml`, `qwen` and `caller` in a provider of their own. */
export async function startToolModels(): Promise<ToolModels> {
  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-tools-"));
  await writeTestModel(join(modelsDir, "chatml.gguf"));
  await writeTestModel(join(modelsDir, "qwen.gguf"), { chatTemplate: "qwen2.5" });
  await writeTestModel(join(modelsDir, "caller.gguf"), { chatTemplate: "qwen2.5", callsTools: true });
  // Qwen's template lists the tools in a system prompt of some 600 tokens.
  const provider = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 2048 });
  return {
    provider,
    stream: async (modelId, options) =>
      collect((await provider.languageModel(modelId)).doStream({ prompt: question, ...options })),
    close: async () => {
      await provider.close();
      await rm(modelsDir, { recursive: true, force: true });
    },
  };
}

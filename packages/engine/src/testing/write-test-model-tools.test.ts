import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  getLlama,
  JinjaTemplateChatWrapper,
  type Llama,
  LlamaChat,
  type LlamaModel,
  LlamaText,
  resolveChatWrapper,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestModelOptions, writeTestModel } from "./write-test-model.ts";

let directory: string;
let llama: Llama;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "hearth-test-model-"));
  llama = await getLlama({ gpu: false, build: "never" });
});
afterAll(async () => {
  await llama.dispose();
  await rm(directory, { recursive: true, force: true });
});

async function withModel(name: string, options: TestModelOptions, use: (model: LlamaModel) => Promise<void>) {
  const modelPath = join(directory, name);
  await writeTestModel(modelPath, options);
  const model = await llama.loadModel({ modelPath });
  try {
    await use(model);
  } finally {
    await model.dispose();
  }
}

describe("writeTestModel with Qwen 2.5's chat template", () => {
  it("is read by node-llama-cpp as a template with its own tool-call syntax", async () => {
    await withModel("qwen.gguf", { chatTemplate: "qwen2.5" }, async (model) => {
      const wrapper = resolveChatWrapper(model);
      expect(wrapper).toBeInstanceOf(JinjaTemplateChatWrapper);
      expect((wrapper as JinjaTemplateChatWrapper).usingJinjaFunctionCallTemplate).toBe(true);
      expect(LlamaText(wrapper.settings.functions.call.prefix).toString()).toBe('<tool_call>\n{"name": "');
      // Qwen's tool tokens are single tokens, as in Qwen's own vocabulary.
      expect(model.tokenize("<tool_call></tool_call>", true)).toHaveLength(2);
    });
  });

  it("with callsTools, calls an offered function at once and ends the reply after the call", async () => {
    await withModel("caller.gguf", { chatTemplate: "qwen2.5", callsTools: true }, async (model) => {
      const context = await model.createContext({ contextSize: 2048, threads: 1 });
      const chat = new LlamaChat({ contextSequence: context.getSequence(), autoDisposeSequence: true });
      try {
        for (const seed of [1, 2]) {
          const reply = await chat.generateResponse(
            [
              { type: "user", text: "hi" },
              { type: "model", response: [] },
            ],
            {
              functions: { roll: { params: { type: "object", properties: { sides: { enum: [4, 6] } } } } },
              maxTokens: 100,
              temperature: 1,
              seed,
            },
          );
          expect(reply.metadata.stopReason).toBe("functionCalls");
          expect(reply.functionCalls).toEqual([expect.objectContaining({ functionName: "roll" })]);
          expect([4, 6]).toContain((reply.functionCalls?.[0]?.params as { sides: number } | undefined)?.sides);
        }
      } finally {
        chat.dispose();
        await context.dispose();
      }
    });
  });

  it("refuses callsTools without Qwen's template, whose syntax it writes", async () => {
    await expect(writeTestModel(join(directory, "bad.gguf"), { callsTools: true })).rejects.toThrow(RangeError);
  });
});

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gguf } from "@huggingface/gguf";
import {
  ChatMLChatWrapper,
  getLlama,
  type Llama,
  LlamaChatSession,
  type LlamaContext,
  type LlamaModel,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestModelOptions, writeTestModel } from "./write-test-model.ts";

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "hearth-test-model-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("writeTestModel as a GGUF file", () => {
  it("writes a small llama GGUF with a byte-fallback vocabulary and a ChatML template", async () => {
    const path = join(directory, "parsed.gguf");
    const written = await writeTestModel(path, { layers: 3, width: 96, contextLength: 1024 });
    const parsed = await gguf(path, { allowLocalFile: true });
    // The typed metadata knows only the keys of well-known models; read it as plain key-value pairs.
    const metadata = parsed.metadata as Record<string, unknown>;
    const tensorInfos = parsed.tensorInfos;

    expect(written.bytes).toBe((await readFile(path)).length);
    expect(metadata).toMatchObject({
      version: 3,
      "general.architecture": "llama",
      "general.alignment": 32,
      "llama.context_length": 1024,
      "llama.embedding_length": 96,
      "llama.block_count": 3,
      "llama.attention.head_count": 3,
      "llama.rope.dimension_count": 32,
      "llama.vocab_size": written.vocabularySize,
      "tokenizer.ggml.model": "llama",
    });
    const tokens = metadata["tokenizer.ggml.tokens"] as string[];
    const types = metadata["tokenizer.ggml.token_type"] as number[];
    expect(tokens).toHaveLength(written.vocabularySize);
    expect(tokens.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
    expect(types.filter((type) => type === 6)).toHaveLength(256);
    expect(tokens[metadata["tokenizer.ggml.eos_token_id"] as number]).toBe("<|im_end|>");
    expect(metadata["tokenizer.chat_template"]).toContain("<|im_start|>");

    const shapes = Object.fromEntries(tensorInfos.map((tensor) => [tensor.name, tensor.shape.map(Number)]));
    expect(tensorInfos).toHaveLength(3 + 9 * 3);
    expect(shapes["token_embd.weight"]).toEqual([96, written.vocabularySize]);
    expect(shapes["output.weight"]).toEqual([96, written.vocabularySize]);
    expect(shapes["blk.2.ffn_gate.weight"]).toEqual([96, 192]);
    expect(shapes["blk.2.ffn_down.weight"]).toEqual([192, 96]);
    expect(tensorInfos.every((tensor) => tensor.offset % 32n === 0n)).toBe(true);
  });

  it("keeps the default model under 1 MB", async () => {
    const written = await writeTestModel(join(directory, "default.gguf"));
    expect(written).toMatchObject({ layers: 2, width: 64, contextLength: 2048 });
    expect(written.bytes).toBeLessThan(1_000_000);
  });

  it("stores matrices as F16 and norms as F32 when asked for f16", async () => {
    const path = join(directory, "half.gguf");
    await writeTestModel(path, { type: "f16" });
    const { tensorInfos } = await gguf(path, { allowLocalFile: true });
    const dtypes = Object.fromEntries(tensorInfos.map((tensor) => [tensor.name, tensor.dtype]));
    expect(dtypes["blk.0.attn_q.weight"]).toBe(1);
    expect(dtypes["blk.0.attn_norm.weight"]).toBe(0);
  });

  it("quantizes matrices to Q8_0 and Q4_0, about a half and a quarter of F16's size, keeping norms F32", async () => {
    const sizes: Record<string, number> = {};
    for (const type of ["f16", "q8_0", "q4_0"] as const) {
      const path = join(directory, `${type}.gguf`);
      sizes[type] = (await writeTestModel(path, { type, width: 256, layers: 4 })).bytes;
      const { tensorInfos } = await gguf(path, { allowLocalFile: true });
      const dtypes = Object.fromEntries(tensorInfos.map((tensor) => [tensor.name, tensor.dtype]));
      expect(dtypes["blk.0.attn_q.weight"]).toBe({ f16: 1, q8_0: 8, q4_0: 2 }[type]);
      expect(dtypes["blk.0.attn_norm.weight"]).toBe(0);
    }
    expect((sizes.q8_0 as number) / (sizes.f16 as number)).toBeCloseTo(34 / 64, 1);
    expect((sizes.q4_0 as number) / (sizes.f16 as number)).toBeCloseTo(18 / 64, 1);
  });

  it("writes the same bytes for the same seed and different weights for another", async () => {
    const [first, again, other] = ["a", "b", "c"].map((name) => join(directory, `${name}.gguf`));
    await writeTestModel(first as string, { seed: 7 });
    await writeTestModel(again as string, { seed: 7 });
    await writeTestModel(other as string, { seed: 8 });
    const [firstBytes, againBytes, otherBytes] = await Promise.all(
      [first, again, other].map((p) => readFile(p as string)),
    );
    expect(againBytes?.equals(firstBytes as Buffer)).toBe(true);
    expect(otherBytes?.equals(firstBytes as Buffer)).toBe(false);
  });

  it("rejects a width that is not a multiple of the 32-wide heads", async () => {
    await expect(writeTestModel(join(directory, "bad.gguf"), { width: 50 })).rejects.toThrow(RangeError);
  });
});

describe("writeTestModel in node-llama-cpp", () => {
  let llama: Llama;
  let model: LlamaModel;
  let context: LlamaContext;

  beforeAll(async () => {
    llama = await getLlama({ gpu: false });
    model = await loadTestModel(llama, "tiny.gguf");
    context = await model.createContext({ contextSize: 512, threads: 1 });
  });
  afterAll(async () => {
    await context?.dispose();
    await model?.dispose();
    await llama?.dispose();
  });

  it("loads and runs the quantized models: Q4_0 and Q8_0 write replies as F32 does", async () => {
    for (const type of ["q4_0", "q8_0"] as const) {
      const quantized = await loadTestModel(llama, `${type}-run.gguf`, { type, width: 128 });
      const quantizedContext = await quantized.createContext({ contextSize: 512, threads: 1 });
      try {
        await withSession(quantizedContext, async (session) => {
          const reply = await session.promptWithMeta("hello", { maxTokens: 16, temperature: 0 });
          expect(reply.stopReason).toBe("maxTokens");
          expect(reply.responseText.length).toBeGreaterThan(0);
        });
      } finally {
        await quantizedContext.dispose();
        await quantized.dispose();
      }
    }
  });

  it("detects the ChatML template", async () => {
    await withSession(context, async (session) => {
      expect(session.chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
    });
  });

  it("tokenizes known words as whole pieces and anything else through byte fallback", () => {
    expect(model.tokenize("hello world")).toHaveLength(2);
    expect(model.detokenize(model.tokenize("héllo ✓"))).toBe("héllo ✓");
  });

  it("never ends a reply early: it runs to exactly maxTokens, greedy or sampled", async () => {
    await withSession(context, async (session) => {
      for (const temperature of [0, 1]) {
        let tokens = 0;
        const reply = await session.promptWithMeta("hello", {
          maxTokens: 32,
          temperature,
          seed: 3,
          onToken: (chunk) => {
            tokens += chunk.length;
          },
        });
        expect(reply.stopReason).toBe("maxTokens");
        expect(tokens).toBe(32);
      }
    });
  });

  it("keeps going after a sentence end", async () => {
    await withSession(context, async (session) => {
      const reply = await session.promptWithMeta("hello", { maxTokens: 8, responsePrefix: "Done." });
      expect(reply.stopReason).toBe("maxTokens");
    });
  });

  it("returns the partial text when aborted mid-reply", async () => {
    await withSession(context, async (session) => {
      const controller = new AbortController();
      let tokens = 0;
      const reply = await session.promptWithMeta("hello", {
        maxTokens: 200,
        signal: controller.signal,
        stopOnAbortSignal: true,
        onToken: (chunk) => {
          tokens += chunk.length;
          if (tokens >= 5) controller.abort();
        },
      });
      expect(reply.stopReason).toBe("abort");
      expect(reply.responseText.length).toBeGreaterThan(0);
      expect(tokens).toBeLessThan(200);
    });
  });

  it("embeds text as a vector as long as the model is wide", async () => {
    const embeddingContext = await model.createEmbeddingContext({ contextSize: 512, threads: 1 });
    try {
      const embedding = await embeddingContext.getEmbeddingFor("hi");
      expect(embedding.vector).toHaveLength(64);
    } finally {
      await embeddingContext.dispose();
    }
  });

  it("with allowEndOfGeneration, ends a reply at its first sentence end", async () => {
    const endingModel = await loadTestModel(llama, "ending.gguf", { allowEndOfGeneration: true });
    const endingContext = await endingModel.createContext({ contextSize: 512, threads: 1 });
    try {
      await withSession(endingContext, async (session) => {
        const reply = await session.promptWithMeta("hello", { maxTokens: 8, responsePrefix: "Done." });
        expect(reply).toMatchObject({ stopReason: "eogToken", responseText: "Done." });
        const sampled = await session.promptWithMeta("hello", { maxTokens: 400, temperature: 1, seed: 2 });
        expect(sampled.stopReason).toBe("eogToken");
        expect(sampled.responseText).toMatch(/[.!?]$/);
      });
    } finally {
      await endingContext.dispose();
      await endingModel.dispose();
    }
  });
});

async function loadTestModel(llama: Llama, name: string, options: TestModelOptions = {}): Promise<LlamaModel> {
  const modelPath = join(directory, name);
  await writeTestModel(modelPath, options);
  return llama.loadModel({ modelPath });
}

async function withSession(context: LlamaContext, use: (session: LlamaChatSession) => Promise<void>) {
  const session = new LlamaChatSession({ contextSequence: context.getSequence() });
  try {
    await use(session);
  } finally {
    session.dispose({ disposeSequence: true });
  }
}

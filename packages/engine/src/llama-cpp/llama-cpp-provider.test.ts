import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatStreamPart } from "../language-model.ts";
import { NoSuchModelError } from "../no-such-model-error.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { chooseThreads } from "./choose-threads.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

const hello = [{ role: "user" as const, content: "hello" }];

async function collect(stream: AsyncIterable<ChatStreamPart>) {
  let text = "";
  let deltas = 0;
  let finish: Extract<ChatStreamPart, { type: "finish" }> | undefined;
  for await (const part of stream) {
    if (part.type === "delta") {
      text += part.text;
      deltas++;
    } else finish = part;
  }
  return { text, deltas, finish };
}

describe("LlamaCppProvider on a generated model", () => {
  let modelsDir: string;
  let provider: LlamaCppProvider;
  const loads: string[] = [];

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    await writeTestModel(join(modelsDir, "tiny-b.gguf"), { seed: 2 });
    await mkdir(join(modelsDir, "not-a-model.gguf"));
    provider = await LlamaCppProvider.create({
      modelsDir,
      gpu: false,
      contextSize: 512,
      onModelLoaded: (id) => loads.push(id),
    });
  });
  afterAll(async () => {
    await provider.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("lists the GGUF files in the models dir, named after the file", async () => {
    const models = await provider.listModels();
    expect(models.map((model) => model.id)).toEqual(["tiny", "tiny-b"]);
    expect(models[0]).toMatchObject({ provider: "llama.cpp", sizeBytes: expect.any(Number), isLoaded: false });
  });

  it("reports the binary in use and picks threads for it", () => {
    const info = provider.info();
    expect(["prebuilt", "localBuild"]).toContain(info.buildType);
    expect(info.threads).toBe(chooseThreads(info.buildType));
  });

  it("streams a reply that runs to maxTokens and reports its usage", async () => {
    const { text, deltas, finish } = await collect(
      provider.streamChat({ model: "tiny", messages: hello, maxTokens: 24 }),
    );
    expect(finish).toMatchObject({ stopReason: "length", usage: { completionTokens: 24 } });
    expect(finish?.usage.promptTokens).toBeGreaterThan(0);
    expect(deltas).toBeGreaterThan(1);
    expect(text.length).toBeGreaterThan(0);
    expect(loads).toEqual(["tiny"]);
  });

  it("counts a prompt in tokens as the model evaluates it, template included", async () => {
    const window = await provider.contextWindow("tiny");
    expect(window.contextTokens).toBe(512);
    const messages = [
      { role: "user" as const, content: "What is a hearth?" },
      { role: "assistant" as const, content: "The floor of a fireplace." },
      { role: "user" as const, content: "And a hearthstone?" },
    ];
    const { finish } = await collect(provider.streamChat({ model: "tiny", messages, maxTokens: 4 }));
    // node-llama-cpp's meter books the prompt's last token with the first generated one.
    const evaluated = finish?.usage.promptTokens as number;
    const counted = await window.countPromptTokens(messages);
    expect(counted - evaluated).toBeGreaterThanOrEqual(0);
    expect(counted - evaluated).toBeLessThanOrEqual(1);
    const each = await Promise.all(messages.map((message) => window.countMessageTokens(message)));
    expect(each.every((tokens) => tokens > 0)).toBe(true);
    expect((await window.countPromptTokens([])) + each.reduce((a, b) => a + b, 0)).toBe(counted);
  });

  describe("counting long and pathological text", () => {
    const texts = {
      "a run of é": "é".repeat(20_000),
      "combining marks": "e\u0301".repeat(10_000),
      emoji: "😀".repeat(10_000),
      "mixed scripts": "héllo мир 世界 مرحبا 😀 ".repeat(1000),
      prose: "hello world how are you ".repeat(1000),
    };

    it.each(Object.entries(texts))("never counts fewer tokens than the model reads: %s", async (_, content) => {
      const window = await provider.contextWindow("tiny");
      const sliced = await window.countMessageTokens({ role: "user", content });
      const model = await provider.llama.loadModel({ modelPath: join(modelsDir, "tiny.gguf") });
      const whole = model.tokenize(content).length;
      await model.dispose();
      expect(sliced).toBeGreaterThanOrEqual(whole);
      // A little over: the slack per cut, the template around the text.
      expect(sliced - whole).toBeLessThanOrEqual(2 * Math.ceil(content.length / 2048) + 8);
      // The cheap bound from bytes is a true lower bound.
      expect(Math.ceil(Buffer.byteLength(content) / window.maxTokenBytes)).toBeLessThanOrEqual(whole);
    });

    it("stops counting once the count passes the room it was given", async () => {
      const window = await provider.contextWindow("tiny");
      const message = { role: "user" as const, content: "é".repeat(100_000) };
      const counted = await window.countMessageTokens(message, 1000);
      expect(counted).toBeGreaterThan(1000);
      expect(counted).toBeLessThan(10_000);
    });
  });

  it("rejects an unknown model, naming the ones there are", async () => {
    const attempt = collect(provider.streamChat({ model: "nope", messages: hello }));
    await expect(attempt).rejects.toBeInstanceOf(NoSuchModelError);
    await expect(attempt).rejects.toMatchObject({ modelId: "nope", available: ["tiny", "tiny-b"] });
  });

  it("stops at an abort and keeps the partial text", async () => {
    const controller = new AbortController();
    let text = "";
    let finish: ChatStreamPart | undefined;
    for await (const part of provider.streamChat({
      model: "tiny",
      messages: hello,
      maxTokens: 400,
      signal: controller.signal,
    })) {
      if (part.type === "delta") {
        text += part.text;
        if (text.length > 5) controller.abort();
      } else finish = part;
    }
    expect(finish).toMatchObject({ type: "finish", stopReason: "abort" });
    expect(text.length).toBeGreaterThan(5);
    expect((finish as { usage: { completionTokens: number } }).usage.completionTokens).toBeLessThan(400);
  });

  it("queues concurrent requests to one model and completes them all", async () => {
    const results = await Promise.all(
      Array.from({ length: 3 }, () => collect(provider.streamChat({ model: "tiny", messages: hello, maxTokens: 8 }))),
    );
    expect(results.map((result) => result.finish?.usage.completionTokens)).toEqual([8, 8, 8]);
  });

  it("frees the sequence when the reader stops early", async () => {
    for await (const part of provider.streamChat({ model: "tiny", messages: hello, maxTokens: 400 })) {
      if (part.type === "delta") break;
    }
    const next = await collect(provider.streamChat({ model: "tiny", messages: hello, maxTokens: 4 }));
    expect(next.finish?.usage.completionTokens).toBe(4);
  });

  it("embeds text as vectors as wide as the model", async () => {
    const vectors = await provider.embed("tiny", ["hello", "world"]);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(64);
    expect(vectors[0]).not.toEqual(vectors[1]);
  });

  it("unloads the least recently used idle model when the budget is exceeded", async () => {
    const small = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 256, memoryBudgetBytes: 1 });
    try {
      await collect(small.streamChat({ model: "tiny", messages: hello, maxTokens: 2 }));
      expect((await small.listModels()).map((model) => model.isLoaded)).toEqual([true, false]);
      await collect(small.streamChat({ model: "tiny-b", messages: hello, maxTokens: 2 }));
      expect((await small.listModels()).map((model) => model.isLoaded)).toEqual([false, true]);
    } finally {
      await small.close();
    }
  });
});

describe("LlamaCppProvider used by several requests at once", () => {
  it("loads a model once when its first uses come together, and closes (issue 8: a second copy hung llama.dispose)", async () => {
    const modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    const loads: string[] = [];
    const provider = await LlamaCppProvider.create({
      modelsDir,
      gpu: false,
      contextSize: 256,
      onModelLoaded: (id) => loads.push(id),
    });
    try {
      const windows = await Promise.all(Array.from({ length: 6 }, () => provider.contextWindow("tiny")));
      expect(windows.map((window) => window.contextTokens)).toEqual(Array(6).fill(256));
      expect(loads).toEqual(["tiny"]);
    } finally {
      // Before the fix the copies left out of the cache were never disposed, and this never resolved.
      await provider.close();
      await rm(modelsDir, { recursive: true, force: true });
    }
  });
});

import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallOptions, Prompt, PromptMessage, StreamPart } from "../spec/language-model.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { chooseThreads } from "./choose-threads.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

const user = (text: string): PromptMessage => ({ role: "user", content: [{ type: "text", text }] });
const hello: Prompt = [user("hello")];

/** A reply from one of `provider`'s models. */
async function* chat(
  provider: LlamaCppProvider,
  modelId: string,
  prompt: Prompt,
  options: Omit<CallOptions, "prompt"> = {},
): AsyncIterable<StreamPart> {
  yield* (await provider.languageModel(modelId)).doStream({ prompt, ...options });
}

async function collect(stream: AsyncIterable<StreamPart>) {
  let text = "";
  let deltas = 0;
  let finish: Extract<StreamPart, { type: "finish" }> | undefined;
  for await (const part of stream) {
    if (part.type === "text-delta") {
      text += part.text;
      deltas++;
    } else if (part.type === "finish") finish = part;
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
    expect(models[0]).toMatchObject({ sizeBytes: expect.any(Number), isLoaded: false, capabilities: { chat: true } });
  });

  it("reports the binary in use and picks threads for it", () => {
    const info = provider.info();
    expect(["prebuilt", "localBuild"]).toContain(info.buildType);
    expect(info.threads).toBe(chooseThreads(info.buildType));
  });

  it("streams a reply that runs to maxTokens and reports its usage", async () => {
    const { text, deltas, finish } = await collect(chat(provider, "tiny", hello, { maxOutputTokens: 24 }));
    expect(finish).toMatchObject({ finishReason: "length", usage: { outputTokens: 24 } });
    expect(finish?.usage.inputTokens).toBeGreaterThan(0);
    expect(deltas).toBeGreaterThan(1);
    expect(text.length).toBeGreaterThan(0);
    expect(loads).toEqual(["tiny"]);
  });

  it("counts a prompt in tokens as the model evaluates it, template included", async () => {
    const window = await (await provider.languageModel("tiny")).contextWindow();
    expect(window.contextTokens).toBe(512);
    const messages: Prompt = [
      user("What is a hearth?"),
      { role: "assistant", content: [{ type: "text", text: "The floor of a fireplace." }] },
      user("And a hearthstone?"),
    ];
    const { finish } = await collect(chat(provider, "tiny", messages, { maxOutputTokens: 4 }));
    // node-llama-cpp's meter books the prompt's last token with the first generated one.
    const evaluated = finish?.usage.inputTokens as number;
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
      const window = await (await provider.languageModel("tiny")).contextWindow();
      const sliced = await window.countMessageTokens(user(content));
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
      const window = await (await provider.languageModel("tiny")).contextWindow();
      const message = user("é".repeat(100_000));
      const counted = await window.countMessageTokens(message, 1000);
      expect(counted).toBeGreaterThan(1000);
      expect(counted).toBeLessThan(10_000);
    });
  });

  it("rejects an unknown model, naming the ones there are", async () => {
    const attempt = provider.languageModel("nope");
    await expect(attempt).rejects.toBeInstanceOf(NoSuchModelError);
    await expect(attempt).rejects.toMatchObject({ modelId: "nope", available: ["tiny", "tiny-b"] });
  });

  it("stops at an abort and keeps the partial text", async () => {
    const controller = new AbortController();
    let text = "";
    let finish: StreamPart | undefined;
    for await (const part of chat(provider, "tiny", hello, { maxOutputTokens: 400, abortSignal: controller.signal })) {
      if (part.type === "text-delta") {
        text += part.text;
        if (text.length > 5) controller.abort();
      } else finish = part;
    }
    expect(finish).toMatchObject({ type: "finish", finishReason: "abort" });
    expect(text.length).toBeGreaterThan(5);
    expect((finish as { usage: { outputTokens: number } }).usage.outputTokens).toBeLessThan(400);
  });

  it("queues concurrent requests to one model and completes them all", async () => {
    const results = await Promise.all(
      Array.from({ length: 3 }, () => collect(chat(provider, "tiny", hello, { maxOutputTokens: 8 }))),
    );
    expect(results.map((result) => result.finish?.usage.outputTokens)).toEqual([8, 8, 8]);
  });

  it("frees the sequence when the reader stops early", async () => {
    for await (const part of chat(provider, "tiny", hello, { maxOutputTokens: 400 })) {
      if (part.type === "text-delta") break;
    }
    const next = await collect(chat(provider, "tiny", hello, { maxOutputTokens: 4 }));
    expect(next.finish?.usage.outputTokens).toBe(4);
  });

  it("embeds text as vectors as wide as the model", async () => {
    const vectors = await (await provider.embeddingModel("tiny")).doEmbed(["hello", "world"]);
    expect(vectors).toHaveLength(2);
    expect(vectors[0]).toHaveLength(64);
    expect(vectors[0]).not.toEqual(vectors[1]);
  });

  it("stops embedding a batch when aborted, before the next text", async () => {
    const model = await provider.embeddingModel("tiny");
    const texts = Array.from({ length: 200 }, (_, index) => `text number ${index}`);
    const stop = new AbortController();
    const embedding = model.doEmbed(texts, { abortSignal: stop.signal });
    setImmediate(() => stop.abort(new Error("client gone")));
    await expect(embedding).rejects.toThrow("client gone");
    await expect(model.doEmbed(["after"], { abortSignal: AbortSignal.abort() })).rejects.toThrow();
    expect(await model.doEmbed(["after"])).toHaveLength(1);
  });

  it("unloads the least recently used idle model when the budget is exceeded", async () => {
    const small = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 256, memoryBudgetBytes: 1 });
    try {
      await collect(chat(small, "tiny", hello, { maxOutputTokens: 2 }));
      expect((await small.listModels()).map((model) => model.isLoaded)).toEqual([true, false]);
      await collect(chat(small, "tiny-b", hello, { maxOutputTokens: 2 }));
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
      const windows = await Promise.all(
        Array.from({ length: 6 }, () => provider.languageModel("tiny").then((model) => model.contextWindow())),
      );
      expect(windows.map((window) => window.contextTokens)).toEqual(Array(6).fill(256));
      expect(loads).toEqual(["tiny"]);
    } finally {
      // Before the fix the copies left out of the cache were never disposed, and this never resolved.
      await provider.close();
      await rm(modelsDir, { recursive: true, force: true });
    }
  });
});

describe("LlamaCppProvider with several sequences per model", () => {
  let modelsDir: string;
  let provider: LlamaCppProvider;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-sequences-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    provider = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 256, sequencesPerModel: 2 });
  });
  afterAll(async () => {
    await provider.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("hands a sequence to the next call only once the last one has given it back: more calls than sequences all finish", async () => {
    // Three callers on two sequences, each starting its next call the moment its last one ends: a
    // sequence is given back asynchronously, and a call let in before that used to fail with
    // "No sequences left".
    const results = await Promise.all(
      Array.from({ length: 3 }, async () => {
        const finishes: string[] = [];
        for (let call = 0; call < 6; call++) {
          const { finish } = await collect(chat(provider, "tiny", hello, { maxOutputTokens: 4 }));
          finishes.push(finish?.finishReason ?? "none");
        }
        return finishes;
      }),
    );
    expect(results.flat()).toEqual(Array.from({ length: 18 }, () => "length"));
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LlamaCppProvider } from "../llama-cpp/llama-cpp-provider.ts";
import type { CallOptions, StreamPart } from "../spec/language-model.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { ProviderUnavailableError } from "../spec/provider-unavailable-error.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { EngineProcess } from "./engine-process.ts";

const question = (text: string, maxOutputTokens = 16): CallOptions => ({
  prompt: [{ role: "user", content: [{ type: "text", text }] }],
  maxOutputTokens,
  temperature: 0,
});

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const textOf = (parts: StreamPart[]) => parts.map((part) => (part.type === "text-delta" ? part.text : "")).join("");

describe("EngineProcess: the llama.cpp engine in a process of its own", () => {
  let modelsDir: string;
  let engine: EngineProcess;
  const loaded: string[] = [];
  const exits: string[] = [];
  const start = () =>
    EngineProcess.create({
      modelsDir,
      gpu: false,
      contextSize: 1024,
      onModelLoaded: (modelId) => loaded.push(modelId),
      onExit: (reason) => exits.push(reason),
    });

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-engine-process-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"), { width: 128, layers: 2 });
    engine = await start();
  });
  afterAll(async () => {
    await engine.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("lists, counts and streams as the engine in this process does, token for token", async () => {
    expect((await engine.listModels()).map((model) => model.id)).toEqual(["tiny"]);
    expect(engine.info()).toMatchObject({ gpu: false, threads: expect.any(Number) });
    const model = await engine.languageModel("tiny");
    const window = await model.contextWindow();
    const local = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 1024 });
    try {
      const localModel = await local.languageModel("tiny");
      const localWindow = await localModel.contextWindow();
      expect({ ...window }).toMatchObject({
        contextTokens: localWindow.contextTokens,
        maxTokenBytes: localWindow.maxTokenBytes,
        isExact: true,
      });
      const prompt = question("hello world, how are you").prompt;
      expect(await window.countPromptTokens(prompt)).toBe(await localWindow.countPromptTokens(prompt));
      const [apart, here] = [
        await collect(model.doStream(question("hello"))),
        await collect(localModel.doStream(question("hello"))),
      ];
      expect(textOf(apart)).toBe(textOf(here));
      expect(apart.at(-1)).toEqual(here.at(-1));
    } finally {
      await local.close();
    }
    expect(loaded).toContain("tiny");
  });

  it("keeps the spec's errors and their fields across the process boundary", async () => {
    const missing = await engine.languageModel("nope").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NoSuchModelError);
    expect(missing).toMatchObject({ modelId: "nope", available: ["tiny"] });
    const model = await engine.languageModel("tiny");
    const unsupported = await collect(
      model.doStream({ ...question("hi"), toolChoice: { type: "tool", toolName: "absent" } }),
    ).catch((error: unknown) => error);
    expect(unsupported).toBeInstanceOf(UnsupportedCallOptionError);
    expect((unsupported as UnsupportedCallOptionError).option).toBe("toolChoice.toolName");
  });

  it("stops a reply when the caller aborts, and when the caller stops reading", async () => {
    const model = await engine.languageModel("tiny");
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of model.doStream({ ...question("tell me", 400), abortSignal: controller.signal })) {
      parts.push(part);
      if (part.type === "text-delta") controller.abort();
    }
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "abort" });
    for await (const part of model.doStream(question("again", 400))) if (part.type === "text-delta") break;
    // The sequence came back: one more reply runs to its end.
    expect((await collect(model.doStream(question("and again")))).at(-1)).toMatchObject({ type: "finish" });
  });

  it("embeds in the engine process", async () => {
    const model = await engine.embeddingModel("tiny");
    const [first, second] = await model.doEmbed(["one", "two"]);
    expect(first).toHaveLength(128);
    expect(second).toHaveLength(128);
  });

  it("stops an embedding batch in the engine process when aborted, and embeds again after", async () => {
    const model = await engine.embeddingModel("tiny");
    const stop = new AbortController();
    const texts = Array.from({ length: 500 }, (_, index) => `text number ${index}`);
    const embedding = model.doEmbed(texts, { abortSignal: stop.signal });
    setTimeout(() => stop.abort(new Error("client gone")), 20);
    await expect(embedding).rejects.toThrow("client gone");
    expect(await model.doEmbed(["after"])).toHaveLength(1);
  });

  it("takes load settings and reports its loaded models across the process boundary", async () => {
    await engine.setModelSettings({ tiny: { contextSize: 512, chatTemplate: "llama3.1" } });
    await engine.loadModel("tiny");
    expect(await engine.loadedModels()).toEqual([
      expect.objectContaining({ modelId: "tiny", state: "loaded", contextSize: 512, chatFormat: "Llama 3.1" }),
    ]);
    await engine.setModelSettings({});
    expect(await engine.loadedModels()).toEqual([]);
  });

  it("writes on through SIGINT and SIGTERM (Ctrl+C reaches the whole process group): Hearth decides when it stops", async () => {
    const model = await engine.languageModel("tiny");
    const parts: StreamPart[] = [];
    for await (const part of model.doStream(question("a long story", 60))) {
      parts.push(part);
      if (parts.length === 1) {
        process.kill(engine.pid as number, "SIGINT");
        process.kill(engine.pid as number, "SIGTERM");
      }
    }
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "length" });
    expect(await engine.listModels()).toHaveLength(1);
  });

  it("ends a reply as an error when the process dies mid-reply, fails calls after, and says so once", async () => {
    const dying = await start();
    const model = await dying.languageModel("tiny");
    const parts: StreamPart[] = [];
    for await (const part of model.doStream(question("a long story", 400))) {
      parts.push(part);
      if (parts.length === 1) process.kill(dying.pid as number, "SIGKILL");
    }
    expect(parts.at(-1)).toEqual({
      type: "finish",
      finishReason: "error",
      usage: { inputTokens: 0, outputTokens: 0 },
      error: "The llama.cpp engine process stopped (signal SIGKILL); it starts again on the next request.",
    });
    await expect(dying.listModels()).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(collect(model.doStream(question("after")))).rejects.toBeInstanceOf(ProviderUnavailableError);
    await vi.waitFor(() => expect(exits).toHaveLength(1));
    await dying.close();
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { specializedChatWrapperTypeNames } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PromptMessage, StreamPart } from "../spec/language-model.ts";
import { CHAT_FORMATS } from "../spec/model-settings.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { chatTemplateProblem } from "./chat-template.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

const hello: PromptMessage[] = [{ role: "user", content: [{ type: "text", text: "hello" }] }];
/** ChatML written out as Jinja, as many GGUFs carry it. */
const CHATML_JINJA =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
/** A format of its own, equal to no built-in one. */
const OWN_JINJA =
  "{% for message in messages %}[{{ message['role'] }}] {{ message['content'] }}\n{% endfor %}" +
  "{% if add_generation_prompt %}[assistant] {% endif %}";

async function drain(stream: AsyncIterable<StreamPart>): Promise<void> {
  for await (const _ of stream);
}

describe("per-model load settings", () => {
  let modelsDir: string;
  let provider: LlamaCppProvider;
  const loads: string[] = [];
  const state = async (modelId: string) => (await provider.loadedModels()).find((model) => model.modelId === modelId);

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-model-settings-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"), { contextLength: 1024 });
    await writeTestModel(join(modelsDir, "other.gguf"), { seed: 2 });
    provider = await LlamaCppProvider.create({
      modelsDir,
      gpu: false,
      contextSize: 512,
      modelSettings: { other: { contextSize: 768 } },
      onModelLoaded: (id) => loads.push(id),
    });
  });
  afterAll(async () => {
    await provider.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("offers node-llama-cpp's built-in chat formats by their names", () => {
    expect([...CHAT_FORMATS]).toEqual([...specializedChatWrapperTypeNames]);
  });

  it("loads with the settings it started with, and the engine's defaults for the rest", async () => {
    await provider.loadModel("other");
    expect(await state("other")).toMatchObject({ state: "loaded", contextSize: 768, gpuLayers: 0, isStale: false });
    await provider.loadModel("tiny");
    expect(await state("tiny")).toMatchObject({ contextSize: 512, chatFormat: "ChatML", unloadsAt: null });
    expect(provider.info()).toMatchObject({ gpu: false, gpuDevices: [] });
  });

  it("unloads an idle model whose settings change, and loads it with the new ones on its next use", async () => {
    await provider.setModelSettings({ tiny: { contextSize: 256, chatTemplate: "llama3" } });
    expect(await state("tiny")).toBeUndefined();
    // A model whose load settings did not change stays.
    expect(await state("other")).toBeUndefined();
    const before = loads.length;
    const window = await (await provider.languageModel("tiny")).contextWindow();
    expect(window.contextTokens).toBe(256);
    expect(await state("tiny")).toMatchObject({ contextSize: 256, chatFormat: "Llama 3" });
    expect(loads.length).toBe(before + 1);
  });

  it("never loads past what the model was trained on", async () => {
    await provider.setModelSettings({ tiny: { contextSize: 1_000_000 } });
    await provider.loadModel("tiny");
    expect(await state("tiny")).toMatchObject({ contextSize: 1024 });
  });

  it("keeps a busy model until its call ends, then reloads it on the next use", async () => {
    await provider.setModelSettings({});
    const model = await provider.languageModel("tiny");
    const controller = new AbortController();
    const stream = model.doStream({ prompt: hello, maxOutputTokens: 2000, abortSignal: controller.signal });
    const reading = stream[Symbol.asyncIterator]();
    await reading.next();
    await provider.setModelSettings({ tiny: { contextSize: 256 } });
    expect(await state("tiny")).toMatchObject({ busy: 1, isStale: true, contextSize: 512 });
    controller.abort();
    for (let part = await reading.next(); !part.done; part = await reading.next());
    await drain((await provider.languageModel("tiny")).doStream({ prompt: hello, maxOutputTokens: 2 }));
    expect(await state("tiny")).toMatchObject({ busy: 0, isStale: false, contextSize: 256 });
  });

  it("uses a Jinja template given instead of the GGUF's, as a built-in format where it is one", async () => {
    await provider.setModelSettings({ tiny: { chatTemplate: CHATML_JINJA } });
    await provider.loadModel("tiny");
    expect((await state("tiny"))?.chatFormat).toBe("ChatML");
    await provider.setModelSettings({ tiny: { chatTemplate: OWN_JINJA } });
    await provider.loadModel("tiny");
    expect((await state("tiny"))?.chatFormat).toBe("JinjaTemplate");
    const window = await (await provider.languageModel("tiny")).contextWindow();
    expect(await window.countPromptTokens(hello)).toBeGreaterThan(0);
  });

  it("fails the load of a broken template, saying why, and loads again once it is fixed", async () => {
    await provider.setModelSettings({ tiny: { chatTemplate: "{% for message in messages %}" } });
    await expect(provider.loadModel("tiny")).rejects.toThrow(/Jinja template/);
    expect(await state("tiny")).toBeUndefined();
    await provider.setModelSettings({});
    await provider.loadModel("tiny");
    expect(await state("tiny")).toMatchObject({ state: "loaded" });
  });

  it("unloads a model once it has been idle for its keep-loaded time", async () => {
    await provider.setModelSettings({ tiny: { keepLoadedSeconds: 1 } });
    await drain((await provider.languageModel("tiny")).doStream({ prompt: hello, maxOutputTokens: 2 }));
    const loaded = await state("tiny");
    expect(loaded?.unloadsAt).toBe((loaded?.lastUsedAt ?? 0) + 1000);
    await expect.poll(() => state("tiny"), { timeout: 5000, interval: 200 }).toBeUndefined();
  });

  it("tells why a template cannot be used before it is saved", () => {
    expect(chatTemplateProblem("chatML")).toBeUndefined();
    expect(chatTemplateProblem(OWN_JINJA)).toBeUndefined();
    expect(chatTemplateProblem("hello")).toMatch(/sanity test/);
    expect(chatTemplateProblem("{{ raise_exception('no system messages') }}")).toMatch(/no system messages/);
  });
});

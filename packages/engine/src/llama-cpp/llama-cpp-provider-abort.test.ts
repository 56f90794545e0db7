import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallOptions, StreamPart } from "../spec/language-model.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

/**
 * Issue "Harden the core", item 7: an abort before the first token (waiting for a sequence, or
 * evaluating the prompt) made the stream throw the signal's reason instead of ending with
 * `stopReason: "abort"`, so a Stop right after Send became an error.
 */
describe("LlamaCppProvider stopped before its first token", () => {
  let modelsDir: string;
  let provider: LlamaCppProvider;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"), { width: 256, layers: 4 });
    provider = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 2048 });
    await (await provider.languageModel("tiny")).contextWindow();
  });
  afterAll(async () => {
    await provider.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const request = (abortSignal: AbortSignal): CallOptions => ({
    prompt: [{ role: "user", content: [{ type: "text", text: "many words in a long question ".repeat(40) }] }],
    maxOutputTokens: 200,
    abortSignal,
  });

  async function parts(options: CallOptions): Promise<StreamPart[]> {
    const received: StreamPart[] = [];
    for await (const part of (await provider.languageModel("tiny")).doStream(options)) received.push(part);
    return received;
  }

  it("ends with an abort, not an error, when the signal aborted before the call", async () => {
    const controller = new AbortController();
    controller.abort("cancel");
    const received = await parts(request(controller.signal));
    expect(received).toEqual([{ type: "finish", finishReason: "abort", usage: expect.any(Object) }]);
  });

  it("ends with an abort, not an error, when the signal aborts while the prompt is evaluated", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const controller = new AbortController();
      const received = parts(request(controller.signal));
      // The prompt is being evaluated on llama.cpp's thread by the time this runs.
      setTimeout(() => controller.abort("cancel"), 1);
      const [finish, ...rest] = (await received).filter((part) => part.type === "finish");
      expect(rest).toEqual([]);
      expect(finish).toMatchObject({ type: "finish", finishReason: "abort" });
    }
  });
});

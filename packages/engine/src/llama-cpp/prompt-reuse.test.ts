import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prompt, PromptMessage, StreamPart, Usage } from "../spec/language-model.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

const user = (text: string): PromptMessage => ({ role: "user", content: [{ type: "text", text }] });
const assistant = (text: string): PromptMessage => ({ role: "assistant", content: [{ type: "text", text }] });

/**
 * Replies keep their llama.cpp sequence for the next one, which evaluates only where its prompt
 * differs from what the sequence holds: the next turn of a conversation reads its new message alone.
 * The usage a reply reports is its whole prompt either way.
 */
describe("a prompt's start evaluated once for the replies that share it", () => {
  let modelsDir: string;
  let kept: LlamaCppProvider;
  let fresh: LlamaCppProvider;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-reuse-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"), { contextLength: 2048 });
    const options = { modelsDir, gpu: false as const, contextSize: 2048, sequencesPerModel: 2 };
    kept = await LlamaCppProvider.create(options);
    fresh = await LlamaCppProvider.create(options);
  });
  afterAll(async () => {
    await kept?.close();
    await fresh?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const usageOf = async (provider: LlamaCppProvider, prompt: Prompt): Promise<Usage> => {
    const model = await provider.languageModel("tiny");
    let usage: Usage | undefined;
    for await (const part of model.doStream({
      prompt,
      maxOutputTokens: 4,
      temperature: 0,
    }) as AsyncIterable<StreamPart>)
      if (part.type === "finish") usage = part.usage;
    return usage as Usage;
  };
  /** The usage a provider that never saw the prompt reports: what a reply's prompt costs in full. */
  const firstTime = async (prompt: Prompt) => {
    await fresh.close();
    fresh = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 2048 });
    return usageOf(fresh, prompt);
  };

  it("reads the next turn's new messages only, and reports the whole prompt", async () => {
    const opening: Prompt = [{ role: "system", content: "You answer in French. ".repeat(40) }, user("Bonjour !")];
    const first = await usageOf(kept, opening);
    expect(first.cachedInputTokens).toBe(0);
    const next: Prompt = [...opening, assistant("Bonjour."), user("Comment ça va ?")];
    const second = await usageOf(kept, next);
    const full = await firstTime(next);
    expect(second.inputTokens).toBe(full.inputTokens);
    expect(second.cachedInputTokens).toBeGreaterThanOrEqual(first.inputTokens - 1);
    expect(second.cachedInputTokens).toBeLessThan(second.inputTokens);
  });

  it("keeps each of its sequences for the prompts that start as theirs did", async () => {
    const a: Prompt = [{ role: "system", content: "Alpha. ".repeat(60) }, user("one")];
    const b: Prompt = [{ role: "system", content: "Beta. ".repeat(60) }, user("two")];
    await usageOf(kept, a);
    await usageOf(kept, b);
    // Each goes back to the sequence that read its start, not to the one used last.
    const again = await usageOf(kept, [...a, assistant("x"), user("three")]);
    expect(again.cachedInputTokens).toBeGreaterThan(100);
    const againB = await usageOf(kept, [...b, assistant("y"), user("four")]);
    expect(againB.cachedInputTokens).toBeGreaterThan(100);
  });

  it("reads a prompt that shares nothing in full, on a sequence another prompt used", async () => {
    const other: Prompt = [user("Something else entirely, with no system prompt at all.")];
    const reused = await usageOf(kept, other);
    const full = await firstTime(other);
    expect(reused.inputTokens).toBe(full.inputTokens);
    expect(reused.cachedInputTokens).toBeLessThan(5);
  });
});

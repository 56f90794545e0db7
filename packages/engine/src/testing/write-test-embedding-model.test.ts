import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlamaCppProvider } from "../llama-cpp/llama-cpp-provider.ts";
import type { EmbeddingModel, StreamPart } from "../spec/language-model.ts";
import { cosineSimilarity } from "./cosine-similarity.ts";
import { writeTestModel } from "./write-test-model.ts";

const width = 128;
/** The words of the texts below that the built-in vocabulary lacks ("on", "the", "of", "my" it has). */
const words = ["solar", "panels", "roof", "barn", "cheap", "cat", "sleeps", "bakery", "sells", "fresh", "bread"];
const query = "solar panels on the roof";

describe('writeTestModel with embeddings: "bag-of-words"', () => {
  let modelsDir: string;
  let provider: LlamaCppProvider;
  let embedding: EmbeddingModel;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-embedding-model-"));
    await writeTestModel(join(modelsDir, "bag-of-words.gguf"), { embeddings: "bag-of-words", width, words });
    provider = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 512 });
    embedding = await provider.embeddingModel("bag-of-words");
  });
  afterAll(async () => {
    await provider.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("embeds each text as a vector as wide as the model", async () => {
    const vectors = await embedding.doEmbed([query, "cat", "a text of words it splits into letters: xyzzy"]);
    expect(vectors.map((vector) => vector.length)).toEqual([width, width, width]);
  });

  it("ranks texts by the words they share with the query: all of them, then two, then one or none", async () => {
    const texts = [
      "the bakery sells fresh bread",
      "cheap solar panels",
      "my cat sleeps",
      "solar panels on the roof of the barn",
    ];
    const [queryVector, ...vectors] = await embedding.doEmbed([query, ...texts]);
    const similarities = vectors.map((vector) => cosineSimilarity(queryVector as number[], vector));
    const ranked = texts.map((text, index) => ({ text, similarity: similarities[index] as number }));
    ranked.sort((a, b) => b.similarity - a.similarity);

    expect(ranked.map((entry) => entry.text).slice(0, 2)).toEqual([
      "solar panels on the roof of the barn",
      "cheap solar panels",
    ]);
    // Random word vectors are only nearly orthogonal (±1/√128 per pair of words), hence the margins.
    expect(ranked[0]?.similarity).toBeGreaterThan(0.75);
    expect(ranked[1]?.similarity).toBeGreaterThan(0.4);
    expect(ranked[2]?.similarity).toBeLessThan(0.35);
  });

  it("gives identical texts identical vectors, and the same words in another order the same direction", async () => {
    const [first, other, again] = await embedding.doEmbed([query, "cheap bread", query]);
    const [alone, reordered] = await embedding.doEmbed([query, "the roof panels on solar"]);
    expect(again).toEqual(first);
    expect(alone).toEqual(first);
    expect(cosineSimilarity(first as number[], other as number[])).toBeLessThan(0.5);
    expect(cosineSimilarity(first as number[], reordered as number[])).toBeCloseTo(1, 5);
  });

  it("still writes replies that run to maxTokens, as models without embeddings do", async () => {
    const model = await provider.languageModel("bag-of-words");
    const parts: StreamPart[] = [];
    const prompt = [{ role: "user" as const, content: [{ type: "text" as const, text: query }] }];
    for await (const part of model.doStream({ prompt, maxOutputTokens: 24 })) parts.push(part);
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "length", usage: { outputTokens: 24 } });
  });

  it("rejects a word with a space, which would never be one token", async () => {
    const path = join(modelsDir, "bad.gguf");
    await expect(writeTestModel(path, { embeddings: "bag-of-words", words: ["solar panels"] })).rejects.toThrow(
      RangeError,
    );
  });
});

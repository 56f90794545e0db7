import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddingModel } from "../spec/language-model.ts";
import { cosineSimilarity } from "../testing/cosine-similarity.ts";
import { writeTestModel } from "../testing/write-test-model.ts";
import { LlamaCppProvider } from "./llama-cpp-provider.ts";

const width = 128;
const solar = ["solar", "panels", "roof", "inverter"];
const bakery = ["bakery", "sells", "fresh", "bread"];

/** `words` over and over, `count` of them: a text of that many word tokens (and the spaces between). */
const repeatWords = (words: readonly string[], count: number): string =>
  Array.from({ length: count }, (_, index) => words[index % words.length]).join(" ");

describe("LlamaCppProvider embedding long and empty texts", () => {
  let modelsDir: string;
  let provider: LlamaCppProvider;
  let embedding: EmbeddingModel;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-long-embeddings-"));
    await writeTestModel(join(modelsDir, "bag-of-words.gguf"), {
      embeddings: "bag-of-words",
      width,
      words: [...solar, ...bakery],
      contextLength: 4096,
    });
    provider = await LlamaCppProvider.create({ modelsDir, gpu: false, contextSize: 4096 });
    embedding = await provider.embeddingModel("bag-of-words");
  });
  afterAll(async () => {
    await provider.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("pools a text longer than node-llama-cpp's default batch (512 tokens) over all its tokens, not the last batch", async () => {
    // Each listed word is one token ("▁solar"): either half alone fills more than a 512-token batch.
    const long = `${repeatWords(solar, 700)} ${repeatWords(bakery, 700)}`;
    const [longVector, solarVector, bakeryVector] = (await embedding.doEmbed([
      long,
      solar.join(" "),
      bakery.join(" "),
    ])) as [number[], number[], number[]];
    const toSolar = cosineSimilarity(longVector, solarVector);
    const toBakery = cosineSimilarity(longVector, bakeryVector);
    // Pooled over the last batch only, the vector was the bakery half's: ≈0.1 to the solar text.
    expect(toSolar).toBeGreaterThan(0.45);
    expect(toBakery).toBeGreaterThan(0.45);
    expect(Math.abs(toSolar - toBakery)).toBeLessThan(0.15);
  });

  it("embeds a text as long as most of the context in one go", async () => {
    const [long, short] = (await embedding.doEmbed([repeatWords(solar, 1800), solar.join(" ")])) as [
      number[],
      number[],
    ];
    expect(long).toHaveLength(width);
    expect(cosineSimilarity(long, short)).toBeGreaterThan(0.6);
  });

  it("gives an empty text a zero vector as wide as the others, in its place", async () => {
    const vectors = await embedding.doEmbed(["bakery", "", "bread"]);
    expect(vectors.map((vector) => vector.length)).toEqual([width, width, width]);
    expect(vectors[1]?.every((value) => value === 0)).toBe(true);
    expect(vectors[0]?.some((value) => value !== 0)).toBe(true);
  });
});

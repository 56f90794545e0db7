/**
 * The test model `npm run bench` runs every engine figure on (engine against llama-bench, SSE against
 * the engine called directly, time to first delta, memory), and prompts made of its single-token words.
 */
import { join } from "node:path";
import { type TestModel, writeTestModel } from "@hearth/engine/testing";

/**
 * 512 wide × 8 layers, F16: 43 MB, ≈ 21 M parameters. A token costs ≈ 6 ms on 2 cores (≈ 150 tok/s),
 * far above the binding's and the HTTP path's per-token overhead, so ratios show Hearth's cost over
 * real work; a 256-token reply takes ≈ 2 s and 500 short replies ≈ 3 min, so the run stays short.
 * F16 like `bench:engine`'s 768×12 model, so the two engine comparisons differ only in size.
 */
const BENCH_MODEL = { layers: 8, width: 512, type: "f16", contextLength: 1024 } as const;
const BENCH_MODEL_ID = "bench-512x8-f16";
/** Tokens of context per sequence, for the engine called directly and for the server. */
export const CONTEXT_SIZE = 1024;

/** Words that are single tokens of the test vocabulary. */
const VOCABULARY_WORDS =
  "the and you hello world is it to of in that for on with as was are be this have not what can do".split(" ");

export interface BenchModel extends TestModel {
  id: string;
  modelsDir: string;
  type: string;
}

/**
 * Writes the bench model into `modelsDir`; with `contextLength`, one that allows a longer context (the
 * engine never gives a model more context than it was trained for), under an id that says so.
 */
export async function writeBenchModel(
  modelsDir: string,
  contextLength: number = BENCH_MODEL.contextLength,
): Promise<BenchModel> {
  const id = contextLength === BENCH_MODEL.contextLength ? BENCH_MODEL_ID : `${BENCH_MODEL_ID}-${contextLength}`;
  const model = await writeTestModel(join(modelsDir, `${id}.gguf`), { ...BENCH_MODEL, contextLength });
  return { ...model, id, modelsDir, type: BENCH_MODEL.type };
}

/** `count` single-token words; `variant` shifts them so no two prompts share a prefix cache. */
export function promptOf(count: number, variant: number): string {
  const words: string[] = [];
  for (let index = 0; index < count; index++) {
    words.push(VOCABULARY_WORDS[(index * 7 + variant * 3) % VOCABULARY_WORDS.length] as string);
  }
  return words.join(" ");
}

export function describeModel(model: { width: number; layers: number; type: string; bytes: number }): string {
  return `${model.width}×${model.layers} ${model.type.toUpperCase()} test model, ${(model.bytes / 1e6).toFixed(1)} MB`;
}

/**
 * @module Writes a tiny llama-architecture GGUF with random weights, so engine tests run a real model
 * without downloading one.
 */
import { type GgufTensor, type GgufValue, writeGguf } from "./gguf-writer.ts";
import { NextTokenRules } from "./next-token-rules.ts";
import { qwen25ChatTemplate } from "./qwen25-chat-template.ts";
import { buildTestVocabulary } from "./test-vocabulary.ts";

export type TestModelOptions = {
  /** Transformer blocks; default 2. */
  layers?: number;
  /** Embedding width, a multiple of 32 (heads are 32 wide); default 64. */
  width?: number;
  /** `llama.context_length` in the metadata; default 2048. */
  contextLength?: number;
  /** Seed for the weights; the same options always write the same bytes. Default 1. */
  seed?: number;
  /** Matrix precision; norms stay F32. Default "f32". "q8_0" and "q4_0" are llama.cpp's quantizations. */
  type?: "f32" | "f16" | "q8_0" | "q4_0";
  /**
   * Make `<|im_end|>` (end of generation) certain right after `.`, `!` or `?` and impossible
   * elsewhere, so a reply ends at its first sentence end (a `responsePrefix` ending in "." ends it at
   * once). Off by default: no end token is ever sampled and replies run to `maxTokens`.
   */
  allowEndOfGeneration?: boolean;
  /**
   * The chat template written to `tokenizer.chat_template`. "chatml" (default) has no tool syntax, so
   * node-llama-cpp emulates tool calls; "qwen2.5" is Qwen 2.5 Instruct's, with its own call syntax.
   */
  chatTemplate?: "chatml" | "qwen2.5";
  /**
   * With the "qwen2.5" template: every reply opens with a tool call in Qwen's syntax (node-llama-cpp's
   * grammar then writes a name and arguments, where tools are offered) and ends right after it. In
   * fact a call opens after every newline the model writes.
   */
  callsTools?: boolean;
  /**
   * What an embedding context (`getEmbeddingFor`) returns. "last-token" (default): the last token's
   * final state, as random as the weights. "bag-of-words": the mean of the text's token vectors, which
   * are random and so nearly orthogonal (cosine ≈ ±1/√width), so that the cosine similarity of two texts
   * follows the words they share and tests can assert rankings. Replies run as they do without it.
   */
  embeddings?: "last-token" | "bag-of-words";
  /**
   * Whole words added to the vocabulary as single tokens (case-sensitive, no spaces). A word outside
   * the vocabulary splits into letters and short pieces that many words share: with "bag-of-words",
   * list the words a test's texts are made of.
   */
  words?: readonly string[] | undefined;
};

export type TestModel = {
  path: string;
  bytes: number;
  vocabularySize: number;
  width: number;
  layers: number;
  contextLength: number;
};

const headDimension = 32;
/**
 * Token embedding scale of a "bag-of-words" model (1 otherwise). After the final norm, a token's random
 * dimensions then outweigh the reserved ones that every token shares (see NextTokenRules) 16 to 1: these
 * add only about 0.016 × tokens / width to the cosine of two unrelated texts, and stay decisive for the
 * logits (1000 × 2 / 16).
 */
const bagOfWordsScale = 16;
/** `LLAMA_POOLING_TYPE_MEAN` in llama.cpp's `llama.h`. */
const meanPooling = 1;

const chatMlTemplate =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** Writes the test model to `path` (overwriting it) and describes what was written. */
export async function writeTestModel(path: string, options: TestModelOptions = {}): Promise<TestModel> {
  const layers = options.layers ?? 2;
  const width = options.width ?? 64;
  const contextLength = options.contextLength ?? 2048;
  const seed = options.seed ?? 1;
  const matrixType = ({ f32: "F32", f16: "F16", q8_0: "Q8_0", q4_0: "Q4_0" } as const)[options.type ?? "f32"];
  assertPositiveInteger("layers", layers);
  assertPositiveInteger("contextLength", contextLength);
  if (!Number.isInteger(width) || width <= 0 || width % headDimension !== 0) {
    throw new RangeError(`width must be a positive multiple of ${headDimension}, got ${width}`);
  }

  if (options.callsTools && options.chatTemplate !== "qwen2.5")
    throw new RangeError('callsTools writes Qwen\'s call syntax: it needs chatTemplate "qwen2.5"');
  for (const word of options.words ?? []) {
    if (!/^\S+$/u.test(word)) throw new RangeError(`words must be non-empty and without spaces, got "${word}"`);
  }
  const isBagOfWords = options.embeddings === "bag-of-words";
  const vocabulary = buildTestVocabulary({ withToolTokens: options.chatTemplate === "qwen2.5", words: options.words });
  const rules = new NextTokenRules(vocabulary, options);
  const reserved = rules.reservedDimensions;
  const headCount = width / headDimension;
  const feedForwardLength = 2 * width;
  const metadata = new Map<string, GgufValue>([
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: "hearth-test-model" }],
    ["general.alignment", { type: "uint32", value: 32 }],
    ["llama.context_length", { type: "uint32", value: contextLength }],
    ["llama.embedding_length", { type: "uint32", value: width }],
    ["llama.block_count", { type: "uint32", value: layers }],
    ["llama.feed_forward_length", { type: "uint32", value: feedForwardLength }],
    ["llama.attention.head_count", { type: "uint32", value: headCount }],
    ["llama.attention.head_count_kv", { type: "uint32", value: headCount }],
    ["llama.rope.dimension_count", { type: "uint32", value: headDimension }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "float32", value: 1e-5 }],
    ["llama.vocab_size", { type: "uint32", value: vocabulary.tokens.length }],
    ["tokenizer.ggml.model", { type: "string", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "string[]", value: vocabulary.tokens }],
    ["tokenizer.ggml.scores", { type: "float32[]", value: vocabulary.scores }],
    ["tokenizer.ggml.token_type", { type: "int32[]", value: vocabulary.types }],
    ["tokenizer.ggml.bos_token_id", { type: "uint32", value: vocabulary.bos }],
    ["tokenizer.ggml.eos_token_id", { type: "uint32", value: vocabulary.imEnd }],
    ["tokenizer.ggml.unknown_token_id", { type: "uint32", value: vocabulary.unknown }],
    ["tokenizer.ggml.padding_token_id", { type: "uint32", value: vocabulary.unknown }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: true }],
    ["tokenizer.ggml.add_eos_token", { type: "bool", value: false }],
    [
      "tokenizer.chat_template",
      { type: "string", value: options.chatTemplate === "qwen2.5" ? qwen25ChatTemplate : chatMlTemplate },
    ],
  ]);
  // llama.cpp reads `<arch>.pooling_type`; an embedding context then returns the mean over the text's
  // tokens of the final norm's output (build_pooling in llama-graph.cpp). Without it node-llama-cpp
  // takes the last token's.
  if (isBagOfWords) metadata.set("llama.pooling_type", { type: "uint32", value: meanPooling });

  const vocabularySize = vocabulary.tokens.length;
  const matrix = (name: string, inputs: number, outputs: number, shape?: (values: Float32Array) => void) =>
    tensor(name, [inputs, outputs], matrixType, () => {
      const values = randomValues(seed, name, inputs * outputs, 1 / Math.sqrt(inputs));
      shape?.(values);
      return values;
    });
  const norm = (name: string) => tensor(name, [width], "F32", () => new Float32Array(width).fill(1));
  // Rows are outputs, `inputs` values each: zero first rows keep a layer off the reserved dimensions.
  const zeroReservedRows = (inputs: number) => (values: Float32Array) => values.fill(0, 0, reserved * inputs);
  // With "bag-of-words", blocks add nothing to the residual stream: a token's final state is its
  // embedding row, normalised.
  const blockOutput = (inputs: number) =>
    isBagOfWords ? (values: Float32Array) => values.fill(0) : zeroReservedRows(inputs);

  const tensors: GgufTensor[] = [
    tensor("token_embd.weight", [width, vocabularySize], matrixType, () => {
      // Unit scale, as large as the constant, so that it doesn't drown out which token this is (but see
      // bagOfWordsScale).
      const scale = isBagOfWords ? bagOfWordsScale : 1;
      const values = randomValues(seed, "token_embd.weight", width * vocabularySize, scale);
      for (let token = 0; token < vocabularySize; token++)
        rules.markEmbedding(values.subarray(token * width, (token + 1) * width), token);
      // `<s>` opens every text; a zero row is zero after the norm too, so it adds nothing to any mean.
      if (isBagOfWords) values.fill(0, vocabulary.bos * width, (vocabulary.bos + 1) * width);
      return values;
    }),
    norm("output_norm.weight"),
    matrix("output.weight", width, vocabularySize, (values) => {
      for (let token = 0; token < vocabularySize; token++)
        rules.shapeOutputRow(values.subarray(token * width, (token + 1) * width), token);
    }),
  ];
  for (let layer = 0; layer < layers; layer++) {
    const block = `blk.${layer}`;
    tensors.push(
      norm(`${block}.attn_norm.weight`),
      matrix(`${block}.attn_q.weight`, width, width),
      matrix(`${block}.attn_k.weight`, width, width),
      matrix(`${block}.attn_v.weight`, width, width),
      matrix(`${block}.attn_output.weight`, width, width, blockOutput(width)),
      norm(`${block}.ffn_norm.weight`),
      matrix(`${block}.ffn_gate.weight`, width, feedForwardLength),
      matrix(`${block}.ffn_up.weight`, width, feedForwardLength),
      matrix(`${block}.ffn_down.weight`, feedForwardLength, width, blockOutput(feedForwardLength)),
    );
  }

  const bytes = await writeGguf(path, { metadata, tensors, alignment: 32 });
  return { path, bytes, vocabularySize, width, layers, contextLength };
}

function tensor(name: string, dimensions: number[], type: GgufTensor["type"], values: () => Float32Array): GgufTensor {
  return { name, dimensions, type, values };
}

/** Uniform values with the given standard deviation, from a stream seeded by `seed` and `name`. */
function randomValues(seed: number, name: string, count: number, standardDeviation: number): Float32Array {
  const random = mulberry32(seed ^ hashName(name));
  const limit = Math.sqrt(3) * standardDeviation;
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) values[index] = (random() * 2 - 1) * limit;
  return values;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, so each tensor has its own stream whatever order tensors are written in. */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < name.length; index++) hash = Math.imul(hash ^ name.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

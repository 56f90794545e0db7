/**
 * @module What the test model writes next where it must not be random, decided by the last token
 * alone. Residual dimensions that no layer writes to carry markers from a token's embedding to the
 * output, where a large weight makes a token certain (or impossible) far beyond any random logit, at
 * any temperature. (node-llama-cpp ignores a token bias against end-of-generation tokens, so the
 * weights must do it.)
 */
import { isNeverSampled, isSentenceEnd, type TestVocabulary } from "./test-vocabulary.ts";

/** Dimension 0 of every token's embedding: the scale a decisive weight multiplies. */
const constantFeature = 2;
const markerFeature = 2 * constantFeature;
const decisiveWeight = 1000;

interface Rule {
  /** Tokens after which `next` is certain; each rule has its own residual dimension. */
  after: (token: number) => boolean;
  next: number | undefined;
}

export interface NextTokenOptions {
  /** `<|im_end|>` right after a sentence end. */
  allowEndOfGeneration?: boolean | undefined;
  /** A tool call after every newline, and the end of the reply after a call. */
  callsTools?: boolean | undefined;
}

export class NextTokenRules {
  readonly #rules: Rule[];
  /** Tokens that only a rule writes. */
  readonly #ruleOnly = new Set<number>();

  constructor(
    private readonly vocabulary: TestVocabulary,
    options: NextTokenOptions,
  ) {
    // Dimension 1 marks sentence ends even when nothing follows from it, so models written before
    // the other rules existed keep their bytes.
    this.#rules = [
      {
        after: (token) => isSentenceEnd(vocabulary, token),
        next: options.allowEndOfGeneration ? vocabulary.imEnd : undefined,
      },
    ];
    const tools = vocabulary.tools;
    if (!options.callsTools) return;
    if (tools === undefined) throw new RangeError("callsTools needs a vocabulary with tool tokens");
    const newline = vocabulary.firstByte + 0x0a;
    // Qwen's call opens with `<tool_call>\n{"name": "`; node-llama-cpp's grammar then writes the name
    // and the arguments and closes the call itself with `}\n</tool_call>`, after which the reply ends.
    this.#rules.push(
      { after: (token) => token === newline, next: tools.callStart },
      { after: (token) => token === tools.callStart, next: tools.callHead },
      { after: (token) => token === tools.callEnd, next: vocabulary.imEnd },
    );
    this.#ruleOnly.add(tools.callHead);
  }

  /** Residual dimensions kept off every layer's output: the constant and one per rule. */
  get reservedDimensions(): number {
    return 1 + this.#rules.length;
  }

  /** Writes the reserved dimensions of `token`'s embedding row. */
  markEmbedding(row: Float32Array, token: number): void {
    row[0] = constantFeature;
    this.#rules.forEach((rule, index) => {
      row[index + 1] = rule.after(token) ? markerFeature : 0;
    });
  }

  /**
   * Ordinary tokens keep their random output row, blind to the reserved dimensions. A token that
   * follows only from rules gets -1000·c everywhere and +1000·c after its rules' tokens, where
   * c = constantFeature / rms(final residual) > 0.
   */
  shapeOutputRow(row: Float32Array, token: number): void {
    row.fill(0, 0, this.reservedDimensions);
    const dimensions = this.#rules.flatMap((rule, index) => (rule.next === token ? [index + 1] : []));
    if (dimensions.length === 0 && !isNeverSampled(this.vocabulary, token) && !this.#ruleOnly.has(token)) return;
    row.fill(0);
    row[0] = -decisiveWeight;
    for (const dimension of dimensions) row[dimension] = decisiveWeight;
  }
}

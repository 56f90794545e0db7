/**
 * @module Counts a templated prompt's tokens without holding the event loop: long text is tokenized in
 * slices, with a yield between slices, because llama.cpp's tokenizers cost more than linear time on long
 * unbroken runs (200,000 "é" took seconds in one call) and node-llama-cpp runs them on the calling thread.
 */
import { type LlamaText, SpecialToken, SpecialTokensText, type Tokenizer } from "node-llama-cpp";

/**
 * UTF-16 units per slice. On the generated test model the worst input seen (a run of "é") costs about
 * 2 ms per slice of this size; ordinary prose costs a tenth of that.
 */
const SLICE_LENGTH = 2048;
/** How far back from a slice's end a cut looks for whitespace before cutting mid-word. */
const WHITESPACE_LOOKBACK = 256;

/**
 * Tokens of `text` as `LlamaText.tokenize` counts them: exactly, for text whose string runs are no
 * longer than a slice; otherwise each run is counted in slices plus one token per cut, an over-estimate
 * (a cut only stops merges across it), so a prompt counted here always fits where it is said to.
 * Counting stops once the total passes `stopAbove`, returning some number above it.
 */
export async function countTokens(text: LlamaText, tokenizer: Tokenizer, stopAbove = Number.POSITIVE_INFINITY) {
  let total = 0;
  let run = "";
  const flush = async () => {
    total += await countRun(run, tokenizer, stopAbove - total);
    run = "";
  };
  for (const value of text.values) {
    if (typeof value === "string") {
      run += value;
      continue;
    }
    await flush();
    if (total > stopAbove) return total;
    if (value instanceof SpecialToken) total += value.tokenize(tokenizer).length;
    else if (value instanceof SpecialTokensText) total += value.tokenize(tokenizer, total > 0).length;
  }
  await flush();
  return total;
}

/**
 * Tokens of one run of plain text, sliced. Like `LlamaText.tokenize`, without the leading space a
 * SentencePiece tokenizer would add to each piece.
 */
async function countRun(run: string, tokenizer: Tokenizer, stopAbove: number) {
  let total = 0;
  let start = 0;
  let cuts = 0;
  while (start < run.length) {
    const end = cutAt(run, start);
    if (cuts > 0) await yieldToEventLoop();
    total += tokenizer(run.slice(start, end), false, "trimLeadingSpace").length;
    start = end;
    if (start < run.length) {
      cuts++;
      total++;
    }
    if (total > stopAbove) return total;
  }
  return total;
}

/** Where the slice starting at `start` ends: before whitespace near the limit, never inside a surrogate pair. */
function cutAt(text: string, start: number): number {
  const limit = start + SLICE_LENGTH;
  if (limit >= text.length) return text.length;
  for (let index = limit; index > limit - WHITESPACE_LOOKBACK; index--) {
    if (/\s/.test(text[index] as string)) return index;
  }
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

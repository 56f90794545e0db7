import { type LlamaModel, LlamaVocabularyType } from "node-llama-cpp";

/** GGUF `tokenizer.ggml.token_type` of control tokens, which plain text never tokenizes to. */
const CONTROL = 3;
/** An unknown or byte-fallback token stands for at most one character. */
const LONGEST_CHARACTER_BYTES = 4;

/**
 * The most UTF-8 bytes of text one token of `model` can stand for, so a text of B bytes is at least
 * ceil(B / maxTokenBytes) tokens: a cheap bound to refuse what cannot fit before tokenizing it.
 * A vocabulary entry is never shorter than the text it matches for SentencePiece (`▁` is 3 bytes for a
 * space) and byte-level BPE (1–2 bytes per byte). Other tokenizers normalize text (collapse spaces,
 * strip accents), so one token can stand for more than its entry: there it is Infinity (no bound).
 */
export function maxTokenBytes(model: LlamaModel): number {
  if (model.vocabularyType !== LlamaVocabularyType.spm && model.vocabularyType !== LlamaVocabularyType.bpe) {
    return Number.POSITIVE_INFINITY;
  }
  const tokenizer = (model.fileInfo.metadata as { tokenizer?: { ggml?: { tokens?: unknown; token_type?: unknown } } })
    .tokenizer?.ggml;
  const tokens = tokenizer?.tokens;
  if (!Array.isArray(tokens)) return Number.POSITIVE_INFINITY;
  const types = Array.isArray(tokenizer?.token_type) ? (tokenizer.token_type as number[]) : [];
  let longest = LONGEST_CHARACTER_BYTES;
  tokens.forEach((token: unknown, index) => {
    if (typeof token !== "string" || types[index] === CONTROL) return;
    longest = Math.max(longest, Buffer.byteLength(token));
  });
  return longest;
}

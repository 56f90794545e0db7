/** SentencePiece token types, as llama.cpp reads `tokenizer.ggml.token_type`. */
const tokenTypes = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;

export type TestVocabulary = {
  tokens: string[];
  scores: number[];
  types: number[];
  unknown: number;
  bos: number;
  imEnd: number;
  /** Id of `<0x00>`; byte b is token `firstByte + b`. */
  firstByte: number;
  /** Qwen 2.5's `<tool_call>`, `</tool_call>` and the piece a tool-calling model writes after the first. */
  tools?: { callStart: number; callEnd: number; callHead: number };
};

const words =
  "the and you hello hi world is it to of in that for on with as was are be this have not what can do we they he " +
  "she my your a I model test chat yes no ok thanks please how why when where who good time day one two three " +
  "here there about from or but all would will just like know think make see get go say some more very well";

/**
 * Specials, the 256 byte-fallback tokens, ChatML's control tokens, then printable pieces: `▁`, each
 * printable ASCII character, and every prefix of each `▁word` (the built-in words, then `words`),
 * because SentencePiece merges one adjacent pair at a time and reaches a word only through pieces that
 * exist.
 */
export function buildTestVocabulary(
  options: { withToolTokens?: boolean; words?: readonly string[] | undefined } = {},
): TestVocabulary {
  const tokens: string[] = [];
  const scores: number[] = [];
  const types: number[] = [];
  const add = (text: string, type: number, score = 0) => {
    tokens.push(text);
    types.push(type);
    scores.push(score);
    return tokens.length - 1;
  };
  const unknown = add("<unk>", tokenTypes.unknown);
  const bos = add("<s>", tokenTypes.control);
  add("</s>", tokenTypes.control);
  const firstByte = tokens.length;
  for (let byte = 0; byte < 256; byte++) {
    add(`<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`, tokenTypes.byte);
  }
  add("<|im_start|>", tokenTypes.control);
  const imEnd = add("<|im_end|>", tokenTypes.control);

  const pieces = new Set<string>(["▁"]);
  for (let code = 33; code < 127; code++) pieces.add(String.fromCharCode(code));
  for (const word of [...words.split(" "), ...(options.words ?? [])]) {
    // By code point, as SentencePiece splits text, so a prefix never ends inside a surrogate pair.
    const characters = ["▁", ...word];
    for (let length = 2; length <= characters.length; length++) pieces.add(characters.slice(0, length).join(""));
  }
  // Longer pieces score higher, so merges prefer whole words over fragments.
  for (const piece of pieces) add(piece, tokenTypes.normal, piece.length - 10);
  if (!options.withToolTokens) return { tokens, scores, types, unknown, bos, imEnd, firstByte };

  const callStart = add("<tool_call>", tokenTypes.control);
  const callEnd = add("</tool_call>", tokenTypes.control);
  for (const tag of ["<tool_response>", "</tool_response>"]) add(tag, tokenTypes.control);
  // What follows `<tool_call>` in Qwen's call syntax as one piece, which no merge reaches: only
  // NextTokenRules writes it.
  const callHead = add('\n{"name":▁"', tokenTypes.normal, -1000);
  return { tokens, scores, types, unknown, bos, imEnd, firstByte, tools: { callStart, callEnd, callHead } };
}

/**
 * Control tokens, which could end a reply, and byte tokens other than tab, newline and printable
 * ASCII: replies are then valid UTF-8 without NUL, which PostgreSQL text columns reject.
 */
export function isNeverSampled(vocabulary: TestVocabulary, token: number): boolean {
  const type = vocabulary.types[token];
  if (type === tokenTypes.control || type === tokenTypes.unknown) return true;
  if (type !== tokenTypes.byte) return false;
  const byte = token - vocabulary.firstByte;
  return !(byte === 0x09 || byte === 0x0a || (byte >= 0x20 && byte < 0x7f));
}

/** Tokens whose text ends a sentence: `.`, `!`, `?`, as pieces or as bytes. */
export function isSentenceEnd(vocabulary: TestVocabulary, token: number): boolean {
  const text = vocabulary.types[token] === tokenTypes.byte ? byteText(vocabulary, token) : vocabulary.tokens[token];
  return text === "." || text === "!" || text === "?";
}

function byteText(vocabulary: TestVocabulary, token: number): string {
  return String.fromCharCode(token - vocabulary.firstByte);
}

/**
 * @module Splits a message into the pieces search embeds and ranks: short enough for a small
 * embedding model's context, cut where the text has a natural break (a paragraph, a sentence, a
 * space) and never inside a word or a surrogate pair.
 */

/** At most this many characters a chunk: ≈ 200–400 tokens, within any embedding model's context. */
const CHUNK_CHARS = 1000;

/** The chunks of `text`, in order; none for text with nothing but white space. */
export function chunkText(text: string, size = CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > size) {
    const cut = cutPoint(rest, size);
    const chunk = rest.slice(0, cut).trim();
    if (chunk !== "") chunks.push(chunk);
    rest = rest.slice(cut).trim();
  }
  if (rest !== "") chunks.push(rest);
  return chunks;
}

/** Where to end a chunk of `text` no longer than `size`: the last good break in its second half. */
function cutPoint(text: string, size: number): number {
  const window = text.slice(0, size);
  const half = Math.floor(size / 2);
  for (const pattern of [/\n\s*\n/g, /[.!?。！？]\s/g, /\s/g]) {
    let last = -1;
    for (const match of window.matchAll(pattern)) last = match.index + match[0].length;
    if (last > half) return last;
  }
  // No break at all (a long URL, code without spaces): cut at the size, not inside a surrogate pair.
  const code = text.charCodeAt(size - 1);
  return code >= 0xd800 && code <= 0xdbff ? size - 1 : size;
}

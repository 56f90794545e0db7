import { describe, expect, it } from "vitest";
import { chunkText } from "./chunk-text.ts";

describe("chunkText", () => {
  it("keeps a short text whole, trimmed, and gives nothing for blank text", () => {
    expect(chunkText("  A short message.\n")).toEqual(["A short message."]);
    expect(chunkText(" \n\t ")).toEqual([]);
  });

  it("cuts a long text at paragraph, then sentence, then word breaks, losing no word", () => {
    const paragraph = `${"word ".repeat(150).trim()}.`;
    const text = `${paragraph}\n\n${paragraph}\n\n${paragraph}`;
    const chunks = chunkText(text, 1000);
    expect(chunks.every((chunk) => chunk.length <= 1000)).toBe(true);
    expect(chunks[0]?.endsWith(".")).toBe(true);
    expect(chunks.join(" ").split(/\s+/)).toEqual(text.split(/\s+/));

    const sentences = "This is one sentence. ".repeat(100);
    for (const chunk of chunkText(sentences, 300)) expect(chunk).toMatch(/^This.*sentence\.$/);
  });

  it("cuts text without breaks at the size, never inside a surrogate pair", () => {
    const url = `https://example.com/${"a".repeat(2500)}`;
    expect(chunkText(url, 1000).map((chunk) => chunk.length)).toEqual([1000, 1000, 520]);
    const emoji = "😀".repeat(600); // 1,200 UTF-16 units, pairs
    const chunks = chunkText(emoji, 999);
    expect(chunks.join("")).toBe(emoji);
    // A lone surrogate would show as a replacement character.
    for (const chunk of chunks)
      expect(chunk).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});

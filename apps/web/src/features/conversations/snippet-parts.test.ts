import { describe, expect, it } from "vitest";
import { snippetParts } from "./snippet-parts.ts";

describe("snippetParts", () => {
  it("cuts a snippet into plain and matched parts at the highlights' UTF-16 offsets", () => {
    const snippet = "Solar 😀 panels on a <b>roof</b>";
    const start = snippet.indexOf("panels");
    expect(
      snippetParts(snippet, [
        { start, end: start + 6 },
        { start: 24, end: 28 },
      ]),
    ).toEqual([
      { text: "Solar 😀 ", isMatch: false },
      { text: "panels", isMatch: true },
      { text: " on a <b>", isMatch: false },
      { text: "roof", isMatch: true },
      { text: "</b>", isMatch: false },
    ]);
  });

  it("marks a snippet that is one match whole, and leaves one without highlights plain", () => {
    expect(snippetParts("rye", [{ start: 0, end: 3 }])).toEqual([{ text: "rye", isMatch: true }]);
    expect(snippetParts("rye bread", [])).toEqual([{ text: "rye bread", isMatch: false }]);
    expect(snippetParts("", [])).toEqual([]);
  });

  it("leaves unmarked the ranges that overlap, run backwards or reach past the end", () => {
    const parts = snippetParts("abcdefgh", [
      { start: 2, end: 4 },
      { start: 3, end: 5 },
      { start: 6, end: 5 },
      { start: 6, end: 20 },
    ]);
    expect(parts).toEqual([
      { text: "ab", isMatch: false },
      { text: "cd", isMatch: true },
      { text: "efgh", isMatch: false },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { fromHeadline, plainSnippet } from "./search-messages.ts";

const marked = ({ snippet, highlights }: { snippet: string; highlights: { start: number; end: number }[] }) =>
  highlights.map(({ start, end }) => snippet.slice(start, end));

describe("snippets", () => {
  it("turn ts_headline's marks into offsets into the unmarked text", () => {
    const result = fromHeadline("How many \u0001solar\u0002 \u0001panels\u0002 fit 😀 a \u0001roof\u0002?");
    expect(result.snippet).toBe("How many solar panels fit 😀 a roof?");
    expect(marked(result)).toEqual(["solar", "panels", "roof"]);
  });

  it("mark the query's words where a passage matched by meaning, whole words from their start", () => {
    const result = plainSnippet("Panels on the roof; a panelist spoke of solar.", "solar PANELS, roof");
    expect(marked(result)).toEqual(["Panels", "roof", "solar"]);
    expect(marked(plainSnippet("text (with) [brackets] $1.500", "(with) [brackets] $1.500"))).toEqual([
      "with",
      "brackets",
      "500",
    ]);
  });

  it("shorten a long passage at a word", () => {
    const { snippet } = plainSnippet(`${"lorem ipsum ".repeat(50)}`, "ipsum");
    expect(snippet.length).toBeLessThanOrEqual(242);
    expect(snippet.endsWith(" …")).toBe(true);
  });
});

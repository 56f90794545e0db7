import { describe, expect, it } from "vitest";
import { cleanTitle } from "./generations.ts";

describe("a title written by the model", () => {
  it("becomes one clean line: no control characters, quotes or markdown around it", () => {
    expect(cleanTitle('  "Weekend in\nLisbon"  ')).toBe("Weekend in Lisbon");
    expect(cleanTitle("# **Trip plans**")).toBe("Trip plans");
    expect(cleanTitle("a\u0000b\u200bc\u001b[31m")).toBe("a b c [31m");
  });

  it("is cut to 80 characters without splitting a character", () => {
    const title = cleanTitle("🔥".repeat(100)) as string;
    expect([...title]).toHaveLength(80);
  });

  it("is dropped when nothing is left of it", () => {
    expect(cleanTitle(" \n\t\"'")).toBeUndefined();
    expect(cleanTitle("\uFFFD\uFFFD")).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./pagination.ts";

describe("cursors", () => {
  it("round-trip a keyset", () => {
    const keyset = { at: new Date("2026-11-25T05:00:00.123Z"), id: "8c1f0f8e-0000-4000-8000-000000000001" };
    expect(decodeCursor(encodeCursor(keyset))).toEqual(keyset);
  });

  it("reject anything they did not produce", () => {
    for (const cursor of [
      "",
      "garbage",
      Buffer.from("[1,2]").toString("base64url"),
      Buffer.from('["x","y"]').toString("base64url"),
    ]) {
      expect(decodeCursor(cursor)).toBeUndefined();
    }
  });
});

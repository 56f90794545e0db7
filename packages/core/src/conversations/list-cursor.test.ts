import { describe, expect, it } from "vitest";
import { encodeCursor } from "../pagination.ts";
import { decodeListCursor, encodeListCursor } from "./list-cursor.ts";

const keyset = { at: new Date("2026-03-01T12:00:00.000Z"), id: "00000000-0000-4000-8000-000000000001" };

describe("conversation list cursors", () => {
  it("give back the part of the list and the keyset they were made from", () => {
    for (const pinned of [true, false]) {
      expect(decodeListCursor(encodeListCursor({ ...keyset, pinned }))).toEqual({ ...keyset, pinned });
    }
  });

  it("refuse a bare keyset cursor, an unknown part, or a part with no valid keyset after it", () => {
    const bare = encodeCursor(keyset);
    for (const cursor of [bare, `x.${bare}`, `P.${bare}`, "p.", "u.", `p.${bare}x`, `u.p.${bare}`, "p"]) {
      expect(decodeListCursor(cursor), cursor).toBeUndefined();
    }
  });
});

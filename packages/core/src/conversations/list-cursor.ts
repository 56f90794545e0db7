import { decodeCursor, encodeCursor, type Keyset } from "../pagination.ts";

/** The position after a row of the conversation list: pinned ones first, each part by (updated_at, id). */
export interface ListKeyset extends Keyset {
  pinned: boolean;
}

// A keyset cursor behind the part of the list it points into: "p." for the pinned part, "u." after it.
const PINNED = "p.";
const UNPINNED = "u.";

export function encodeListCursor(keyset: ListKeyset): string {
  return (keyset.pinned ? PINNED : UNPINNED) + encodeCursor(keyset);
}

/** The keyset a list cursor holds, or undefined unless it is one encodeListCursor wrote. */
export function decodeListCursor(cursor: string): ListKeyset | undefined {
  const prefix = cursor.slice(0, 2);
  if (prefix !== PINNED && prefix !== UNPINNED) return undefined;
  const keyset = decodeCursor(cursor.slice(2));
  return keyset === undefined ? undefined : { ...keyset, pinned: prefix === PINNED };
}

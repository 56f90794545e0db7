import { z } from "@hono/zod-openapi";

/** Query parameters of every keyset-paginated list. */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "Items per page (1–200)." }),
  cursor: z
    .string()
    .max(512)
    .refine((cursor) => decodeCursor(cursor) !== undefined, "is not a cursor this list returned")
    .optional()
    .openapi({ description: "The `nextCursor` of the previous page." }),
});

/** The position after a row in a list ordered by a timestamp, ties broken by id. */
export interface Keyset {
  at: Date;
  id: string;
}

/** Cursors are opaque to clients: the last row's (timestamp, id), base64url-encoded. */
export function encodeCursor(keyset: Keyset): string {
  return Buffer.from(JSON.stringify([keyset.at.toISOString(), keyset.id])).toString("base64url");
}

// What encodeCursor writes for a year from 1 to 9999. Years beyond (`+275760-…`, `-000001-…`) are
// valid JavaScript dates that PostgreSQL refuses as timestamps, so a crafted one would fail in SQL.
const ISO_INSTANT = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const Uuid = z.uuid();

/**
 * The keyset a cursor holds, or undefined unless every part is what encodeCursor writes: an
 * instant PostgreSQL can store and a UUID. Cursors come from clients, so nothing else may reach SQL.
 */
export function decodeCursor(cursor: string): Keyset | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [at, id] = parsed as unknown[];
  if (typeof at !== "string" || !ISO_INSTANT.test(at) || !Uuid.safeParse(id).success) return undefined;
  const date = new Date(at);
  // Rejects dates that match the pattern but do not exist, such as 2026-02-31.
  return !Number.isNaN(date.getTime()) && date.toISOString() === at ? { at: date, id: id as string } : undefined;
}

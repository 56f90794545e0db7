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

export function decodeCursor(cursor: string): Keyset | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof at !== "string" || typeof id !== "string") return undefined;
    const date = new Date(at);
    return Number.isNaN(date.getTime()) ? undefined : { at: date, id };
  } catch {
    return undefined;
  }
}

import { z } from "@hono/zod-openapi";

/**
 * A one-line label (a name, a title): trimmed, non-empty, without control characters, which would
 * break the line it is shown on (and PostgreSQL text cannot even hold NUL).
 */
export function plainText(maxLength: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(maxLength)
    .regex(/^\P{Cc}*$/u, "must not hold control characters");
}

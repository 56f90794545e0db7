import { z } from "@hono/zod-openapi";

const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

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
    .regex(NO_CONTROL_CHARACTERS, "must not hold control characters")
    .openapi({ pattern: openApiPattern(NO_CONTROL_CHARACTERS) });
}

/**
 * A regex as OpenAPI's `pattern` (ECMAScript syntax, no slashes or flags). zod-to-openapi prints
 * `regex.toString()` less its slashes, which leaves `/u` on the end: no validator could use that.
 * Patterns that use `\p{…}` need the `u` flag, which JSON Schema validators apply to patterns.
 */
export function openApiPattern(regex: RegExp): string {
  return regex.source;
}

import { PROBLEMS_EXTENSION } from "@hearth/core";
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { OpenApiDocument } from "./problem-responses.ts";

/** A problem answered for a route whose operation in /openapi.json does not list its code. */
export interface UndeclaredProblem {
  method: string;
  route: string;
  code: string;
}

/**
 * The problem, when the route the request matched does not declare `code` in `document`; undefined
 * when it does, or when no route matched (`route-not-found` belongs to no operation). Tests turn
 * this check on, so a route whose handler or middleware drifts from what it declares fails them.
 */
export function findUndeclaredProblem(
  document: Pick<OpenApiDocument, "paths">,
  c: Context,
  code: string,
): UndeclaredProblem | undefined {
  // The handler's entry: middleware mounted with app.use() is registered for every method.
  const route = matchedRoutes(c).findLast((matched) => matched.method !== "ALL");
  if (route === undefined) return undefined;
  const method = route.method.toLowerCase();
  // Hono's `:id` (with an optional `{regex}`) is OpenAPI's `{id}`.
  const path = route.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
  const declared: readonly string[] = document.paths?.[path]?.[method]?.[PROBLEMS_EXTENSION] ?? [];
  return declared.includes(code) ? undefined : { method: route.method, route: path, code };
}

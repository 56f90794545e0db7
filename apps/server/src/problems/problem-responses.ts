/**
 * @module Each operation's error responses in /openapi.json, derived from problem codes: those its
 * route declares (`x-hearth-problems`, see packages/core's route-helpers.ts) and those the middleware
 * can answer it with, mapped to statuses by the one table in to-http.ts. The full list of codes stays
 * on the operation, so a client can narrow `error.code` per call.
 */
import { ADMIN_ROLE, PROBLEMS_EXTENSION, type ProblemCode } from "@hearth/core";
import { httpOf } from "./to-http.ts";

type DeclaredCode = ProblemCode | "internal-error";

interface Operation {
  parameters?: unknown[];
  requestBody?: { content?: Record<string, unknown> };
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
  [PROBLEMS_EXTENSION]?: DeclaredCode[];
}

export interface OpenApiDocument {
  paths?: Record<string, Record<string, Operation>>;
  [member: string]: unknown;
}

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const SAFE_METHODS = new Set(["get", "head", "options"]);
const BODY_METHODS = new Set(["post", "put", "patch"]);

/** The paths app.ts guards (its API_PATHS); the OpenAI-compatible ones answer in OpenAI's shape. */
const isApiPath = (path: string) => path.startsWith("/api/") || isOpenAiPath(path);
const isOpenAiPath = (path: string) => path.startsWith("/v1/");

/** The problems the middleware can answer an operation with, whatever its handler does. */
function middlewareProblems(path: string, method: string, operation: Operation): DeclaredCode[] {
  const codes: DeclaredCode[] = ["internal-error"];
  if (isApiPath(path)) {
    // readinessGate, limitBody, and authenticate, which refuses a malformed or unknown Bearer key anywhere.
    codes.push("service-starting", "node-draining", "payload-too-large", "unauthenticated");
    if (BODY_METHODS.has(method)) codes.push("unsupported-media-type");
    // providerChain: a request that came back through this installation's own providers.
    if (isOpenAiPath(path)) codes.push("loop-detected");
  }
  // The validators (create-router.ts), and app.ts's onError for text PostgreSQL cannot store.
  if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined) codes.push("validation-failed");
  if (operation.requestBody?.content?.["application/json"] !== undefined) codes.push("malformed-json");
  const security = operation.security ?? [];
  if (security.length > 0) {
    // requireUser and requireAdmin (authenticate.ts).
    codes.push("unauthenticated");
    if (!SAFE_METHODS.has(method)) codes.push("csrf-token-invalid");
    const roles = security.flatMap((requirement) => Object.values(requirement).flat());
    if (roles.includes(ADMIN_ROLE)) codes.push("admin-required");
  }
  return codes;
}

/**
 * Completes every operation in place: `x-hearth-problems` becomes the full sorted list (the route's
 * codes and the middleware's), and each status those codes map to becomes one response that names
 * its codes, with the `Problem` schema's `code` narrowed to them (OpenAI's error body under /v1). A
 * route that still states an error response by hand is a mistake this refuses.
 */
export function addProblemResponses(document: OpenApiDocument): void {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const declared = operation[PROBLEMS_EXTENSION] ?? [];
      const codes = [...new Set([...declared, ...middlewareProblems(path, method, operation)])].sort();
      operation[PROBLEMS_EXTENSION] = codes;
      for (const [status, group] of byStatus(codes)) {
        if (operation.responses[status] !== undefined) {
          throw new Error(
            `${method.toUpperCase()} ${path} states its ${status} response by hand: declare problem codes.`,
          );
        }
        operation.responses[status] = isOpenAiPath(path) ? openAiErrorResponse(group) : problemResponse(group);
      }
    }
  }
}

function byStatus(codes: readonly DeclaredCode[]): Map<string, DeclaredCode[]> {
  const groups = new Map<string, DeclaredCode[]>();
  for (const code of codes) {
    const status = String(httpOf(code).status);
    groups.set(status, [...(groups.get(status) ?? []), code]);
  }
  return groups;
}

const listCodes = (codes: readonly DeclaredCode[]) =>
  codes.map((code) => `\`${code}\` (${httpOf(code).title.toLowerCase()})`).join(", ");

function problemResponse(codes: readonly DeclaredCode[]) {
  const narrowed = { type: "object", properties: { code: { type: "string", enum: codes } }, required: ["code"] };
  return {
    description: `Problem: ${listCodes(codes)}.`,
    content: {
      "application/problem+json": { schema: { allOf: [{ $ref: "#/components/schemas/Problem" }, narrowed] } },
    },
  };
}

function openAiErrorResponse(codes: readonly DeclaredCode[]) {
  return {
    description: `OpenAI's error body, for the problems ${listCodes(codes)}.`,
    content: { "application/json": { schema: { $ref: "#/components/schemas/OpenAiError" } } },
  };
}

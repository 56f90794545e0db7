/** The only place that knows how problems map onto HTTP. */
import type { Problem, ProblemCode } from "@hearth/core";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

const HTTP: Record<ProblemCode | "internal-error", { status: ContentfulStatusCode; title: string }> = {
  "validation-failed": { status: 400, title: "Invalid request" },
  "malformed-json": { status: 400, title: "Malformed JSON" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  "payload-too-large": { status: 413, title: "Payload too large" },
  "route-not-found": { status: 404, title: "Not found" },
  "rate-limited": { status: 429, title: "Too many requests" },
  "service-starting": { status: 503, title: "Starting" },
  "node-draining": { status: 503, title: "Shutting down" },
  "malformed-request": { status: 400, title: "Bad request" },
  "headers-too-large": { status: 431, title: "Request header fields too large" },
  "loop-detected": { status: 508, title: "Loop detected" },
  "request-timeout": { status: 408, title: "Request timeout" },
  "limit-exceeded": { status: 429, title: "Limit reached" },
  "storage-quota-exceeded": { status: 413, title: "Storage quota exceeded" },
  "setup-already-done": { status: 409, title: "Already set up" },
  unauthenticated: { status: 401, title: "Unauthenticated" },
  "invalid-credentials": { status: 401, title: "Invalid credentials" },
  "wrong-password": { status: 403, title: "Wrong password" },
  "csrf-token-invalid": { status: 403, title: "CSRF token missing or invalid" },
  "admin-required": { status: 403, title: "Admin required" },
  "email-taken": { status: 409, title: "Email taken" },
  "username-taken": { status: 409, title: "Username taken" },
  "user-not-found": { status: 404, title: "User not found" },
  "api-key-not-found": { status: 404, title: "API key not found" },
  "last-admin": { status: 409, title: "Last admin" },
  "conversation-not-found": { status: 404, title: "Conversation not found" },
  "message-not-found": { status: 404, title: "Message not found" },
  "summary-not-found": { status: 404, title: "Summary not found" },
  "model-not-found": { status: 422, title: "Model not installed" },
  "no-model": { status: 422, title: "No model installed" },
  "engine-unavailable": { status: 503, title: "Engine unavailable" },
  "model-unavailable": { status: 503, title: "Model unavailable" },
  "wrong-message-role": { status: 422, title: "Not possible for this message" },
  "reply-in-progress": { status: 409, title: "Reply in progress" },
  "reply-finished": { status: 409, title: "Reply finished" },
  "message-too-long": { status: 413, title: "Message too long for the model" },
  "too-many-replies": { status: 429, title: "Too many replies in progress" },
  "unknown-tool": { status: 422, title: "Unknown tool" },
  "assistant-not-found": { status: 404, title: "Assistant not found" },
  "too-many-assistants": { status: 409, title: "Too many assistants" },
  "memory-not-found": { status: 404, title: "Memory not found" },
  "too-many-memories": { status: 409, title: "Too many memories" },
  "memory-exists": { status: 409, title: "Memory exists" },
  "job-not-found": { status: 404, title: "Job not found" },
  "job-not-retryable": { status: 409, title: "Job not retryable" },
  "semantic-search-unavailable": { status: 409, title: "Search by meaning unavailable" },
  "provider-not-found": { status: 404, title: "Provider not found" },
  "provider-id-taken": { status: 409, title: "Provider id taken" },
  "model-source-unavailable": { status: 422, title: "Model source unavailable" },
  "model-exists": { status: 409, title: "Model exists" },
  "model-pull-in-progress": { status: 409, title: "Model pull in progress" },
  "not-enough-disk-space": { status: 422, title: "Not enough disk space" },
  "model-pull-not-found": { status: 404, title: "Model pull not found" },
  "model-pull-finished": { status: 409, title: "Model pull ended" },
  "local-model-not-found": { status: 404, title: "Local model not found" },
  "model-in-use": { status: 409, title: "Model in use" },
  "quota-exceeded": { status: 429, title: "Rate limit reached" },
  "rate-limit-profile-not-found": { status: 404, title: "Rate-limit profile not found" },
  "rate-limit-profile-exists": { status: 409, title: "Rate-limit profile exists" },
  "assignment-target-not-found": { status: 404, title: "Assignment target not found" },
  "provider-in-config-file": { status: 409, title: "Provider defined in the config file" },
  "provider-url-refused": { status: 422, title: "Provider URL refused" },
  "secret-key-unavailable": { status: 503, title: "Secret key unavailable" },
  "unknown-model": { status: 404, title: "Model not found" },
  "context-length-exceeded": { status: 400, title: "Context length exceeded" },
  "too-many-completions": { status: 429, title: "Too many completions in progress" },
  "internal-error": { status: 500, title: "Internal server error" },
};

/** A problem code's status and title: what /openapi.json declares and what is answered. */
export function httpOf(code: ProblemCode | "internal-error"): { status: ContentfulStatusCode; title: string } {
  return HTTP[code];
}

/**
 * Renders a problem as `application/problem+json` (RFC 9457); its facts become extension members.
 * Built on the context, so headers set earlier in the request (request id, cookies) are kept.
 */
export function problemResponse(c: Context, problem: Problem | { code: "internal-error"; detail: string }): Response {
  const { status, title } = HTTP[problem.code];
  const headers: Record<string, string> = {};
  // The body was refused unread, and the server drops such a connection soon after: a client must not reuse it.
  if (problem.code === "payload-too-large") headers.Connection = "close";
  // Nothing was done: retry at once, on a new connection (the load balancer picks another node).
  if (problem.code === "node-draining") Object.assign(headers, { "Retry-After": "0", Connection: "close" });
  if (problem.code === "rate-limited" || problem.code === "quota-exceeded")
    headers["Retry-After"] = String(problem.retryAfterSeconds);
  if (problem.code === "limit-exceeded" && problem.retryAfterSeconds !== undefined) {
    headers["Retry-After"] = String(problem.retryAfterSeconds);
  }
  if (isOpenAiPath(c.req.path)) {
    const body = openAiError(problem, status, c.req.header("Authorization") !== undefined);
    return c.newResponse(JSON.stringify(body), status, { ...headers, "Content-Type": "application/json" });
  }
  const { code, detail, ...facts } = problem;
  const requestId: string | undefined = c.get("requestId");
  const body = { type: `urn:hearth:problem:${code}`, title, status, detail, code, ...facts, requestId };
  return c.newResponse(JSON.stringify(body), status, { ...headers, "Content-Type": "application/problem+json" });
}

/** The OpenAI-compatible API answers as OpenAI does, so its clients raise their own error classes. */
function isOpenAiPath(path: string): boolean {
  return path === "/v1" || path.startsWith("/v1/");
}

/**
 * A problem as OpenAI's `{error: {message, type, param, code}}`: `type` follows the status, as OpenAI's
 * and llama.cpp's servers set it; `code` is OpenAI's where one exists, else the problem's code.
 */
function openAiError(problem: Problem | { code: "internal-error"; detail: string }, status: number, hasKey: boolean) {
  return { error: { message: problem.detail, type: OPENAI_TYPES[status] ?? "invalid_request_error", ...openAiCode() } };

  function openAiCode(): { param: string | null; code: string | null } {
    switch (problem.code) {
      case "validation-failed":
        return { param: problem.issues[0]?.field || null, code: "invalid_value" };
      case "unknown-model":
        return { param: "model", code: "model_not_found" };
      case "context-length-exceeded":
        return { param: problem.param, code: "context_length_exceeded" };
      case "conversation-not-found":
        // Under /v1 a conversation is only ever named by the metadata that stores an exchange.
        return { param: "metadata.hearth_conversation_id", code: "conversation_not_found" };
      case "unauthenticated":
        return { param: null, code: hasKey ? "invalid_api_key" : "missing_api_key" };
      case "rate-limited":
      case "limit-exceeded":
      case "too-many-completions":
        return { param: null, code: "rate_limit_exceeded" };
      default:
        return { param: null, code: problem.code.replaceAll("-", "_") };
    }
  }
}

const OPENAI_TYPES: Record<number, string> = {
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  500: "server_error",
  503: "server_error",
  508: "server_error",
};

/**
 * A problem's status, title and problem+json body, for the answers written straight to the socket,
 * where there is no Hono context: requests Node's HTTP parser rejects (client-error.ts).
 */
export function renderProblem(problem: Problem): { status: number; title: string; body: string } {
  const { status, title } = HTTP[problem.code];
  const { code, detail, ...facts } = problem;
  return {
    status,
    title,
    body: JSON.stringify({ type: `urn:hearth:problem:${code}`, title, status, detail, code, ...facts }),
  };
}

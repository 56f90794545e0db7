import type { UserLimits } from "./limits/user-limits.ts";

/**
 * Expected failures are values: each has a literal `code`, a human `detail` and the facts a caller
 * needs to act on it. Only apps/server knows how a code maps onto HTTP.
 */
export interface FieldIssue {
  /** Where the issue is, as a dotted path from the request part: "email", "items.0.name". */
  field: string;
  message: string;
}

export type CommonProblem =
  | { code: "validation-failed"; detail: string; target: string; issues: FieldIssue[] }
  | { code: "malformed-json"; detail: string }
  | { code: "unsupported-media-type"; detail: string; contentType: string }
  | { code: "payload-too-large"; detail: string; limitBytes: number }
  | { code: "route-not-found"; detail: string; method: string; path: string }
  | { code: "rate-limited"; detail: string; retryAfterSeconds: number }
  | { code: "service-starting"; detail: string }
  /** This node is shutting down: nothing of the request was done, so any client may send it again (elsewhere). */
  | { code: "node-draining"; detail: string }
  /** Rejected by Node's HTTP parser before any route saw it: an unknown method, a broken request line. */
  | { code: "malformed-request"; detail: string }
  | { code: "headers-too-large"; detail: string }
  /** The request came back to this installation through its own providers (request-chain.ts). */
  | { code: "loop-detected"; detail: string }
  | { code: "request-timeout"; detail: string }
  /** A per-user cap was reached (see limits/user-limits.ts); `value` is the user's limit. */
  | { code: "limit-exceeded"; detail: string; limit: keyof UserLimits; value: number; retryAfterSeconds?: number }
  | { code: "storage-quota-exceeded"; detail: string; limit: "storageBytes"; value: number; usedBytes: number };

export type Result<T, P = CommonProblem> = { ok: true; value: T } | { ok: false; problem: P };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <P>(problem: P): { ok: false; problem: P } => ({ ok: false, problem });

/** Carries a problem up to the one error handler that renders it. */
export class ProblemError<P extends { code: string; detail: string } = { code: string; detail: string }> extends Error {
  constructor(readonly problem: P) {
    super(problem.detail);
    this.name = "ProblemError";
  }
}

export function raise<P extends { code: string; detail: string }>(problem: P): never {
  throw new ProblemError(problem);
}

/** Unwraps a result or raises its problem. */
export function unwrap<T, P extends { code: string; detail: string }>(result: Result<T, P>): T {
  if (!result.ok) raise(result.problem);
  return result.value;
}

export function validationFailed(target: string, issues: FieldIssue[]): CommonProblem {
  const summary = issues.map((issue) => `${issue.field || target}: ${issue.message}`).join("; ");
  return { code: "validation-failed", detail: `Invalid ${target}: ${summary}`, target, issues };
}

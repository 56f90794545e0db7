import { HearthError, type ProblemBody, toProblem } from "./hearth-error.ts";

type Result = { data?: unknown; error?: unknown; response: Response };
type CodeOf<R extends Result> = R extends { error: infer E }
  ? E extends { code: infer C extends string }
    ? C
    : string
  : never;

/**
 * The data of a client call, or a thrown `HearthError` whose `code` is one the operation declares
 * (or `unexpected-response` for an answer without a problem body). TypeScript cannot type what is
 * thrown: narrow a caught error with `isHearthError(error, "conversation-not-found")`, or read
 * `result.error` instead of unwrapping, where `code` narrows to the operation's.
 */
export function unwrap<R extends Result>(result: R): Exclude<R["data"], undefined> {
  if (result.error === undefined && result.response.ok) return result.data as Exclude<R["data"], undefined>;
  throw new HearthError(toProblem(result.response.status, result.error) as ProblemBody<CodeOf<R>>);
}

/** The problem codes a client call can answer with: `ProblemCodeOf<Awaited<ReturnType<…>>>`. */
export type ProblemCodeOf<R extends Result> = CodeOf<R>;

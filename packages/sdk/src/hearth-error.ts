/** The `application/problem+json` body Hearth answers under /api when a request fails. */
export interface ProblemBody<Code extends string = string> {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: Code;
  /** The facts the problem carries besides (`conversationId`, `issues`, `retryAfterSeconds`…). */
  [key: string]: unknown;
}

/**
 * A request Hearth answered with a problem. `code` is the problem's code; where the call is typed
 * (`unwrap` of a client call) it narrows to the codes that operation declares.
 */
export class HearthError<Code extends string = string> extends Error {
  override readonly name = "HearthError";
  readonly code: Code;
  readonly status: number;
  readonly problem: ProblemBody<Code>;

  constructor(problem: ProblemBody<Code>) {
    super(`${problem.title}: ${problem.detail} (${problem.code})`);
    this.code = problem.code;
    this.status = problem.status;
    this.problem = problem;
  }

  /** The error of a failed response, reading its problem body (or describing the body it had instead). */
  static async fromResponse(response: Response): Promise<HearthError> {
    const text = await response.text().catch(() => "");
    return new HearthError(toProblem(response.status, text));
  }
}

/**
 * Whether `error` is a `HearthError` (also one thrown by another copy of the SDK, where `instanceof`
 * fails) and, when `codes` are given, one of them: `error.code` then narrows to those codes.
 * `catch (error) { if (isHearthError(error, "conversation-not-found")) … }`
 */
export function isHearthError<Code extends string = string>(
  error: unknown,
  ...codes: Code[]
): error is HearthError<Code> {
  if (!(error instanceof HearthError) && !looksLikeHearthError(error)) return false;
  return codes.length === 0 || codes.includes(error.code as Code);
}

function looksLikeHearthError(error: unknown): error is HearthError {
  if (!(error instanceof Error) || error.name !== "HearthError") return false;
  const { code, status } = error as Error & Record<string, unknown>;
  return typeof code === "string" && typeof status === "number";
}

/** The problem a response body holds, or one that says what the server answered instead. */
export function toProblem(status: number, body: unknown): ProblemBody {
  const parsed = typeof body === "string" ? parseJson(body) : body;
  if (isProblem(parsed)) return parsed;
  return {
    type: "about:blank",
    title: "Unexpected response",
    status,
    detail: `The server answered ${status} without a problem body${typeof body === "string" && body ? `: ${body.slice(0, 200)}` : "."}`,
    code: "unexpected-response",
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isProblem(value: unknown): value is ProblemBody {
  if (typeof value !== "object" || value === null) return false;
  const { code, status } = value as Record<string, unknown>;
  return typeof code === "string" && typeof status === "number";
}

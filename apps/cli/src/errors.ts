/**
 * @module
 * The failures a command reports, and how any error becomes the one line `hearth` prints. Exit
 * codes: 0 done, 1 failed (the server said no, the network, a file), 2 usage (a command, option or
 * argument that is wrong or missing).
 */
import { HearthError } from "@hearth/sdk";

export const EXIT_OK = 0;
const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A failure to report as one line (without the stack), with the exit code it ends the program with. */
export class CliError extends Error {
  override readonly name: string = "CliError";
  readonly exitCode: number;
  /** Shown under the line with --verbose. */
  readonly detail: string | undefined;

  constructor(message: string, options: { exitCode?: number; detail?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode ?? EXIT_FAILED;
    this.detail = options.detail;
  }
}

/** The command line asks for something that cannot be done as written: exit code 2. */
export class UsageError extends CliError {
  override readonly name: string = "UsageError";

  constructor(message: string) {
    super(message, { exitCode: EXIT_USAGE });
  }
}

/** What the error report needs to know besides the error: where the request went, and how it was signed. */
export interface ErrorContext {
  serverUrl?: string | undefined;
  hasCredentials?: boolean | undefined;
}

/** The one line to print for an error (without the `hearth:` prefix). */
export function describeError(error: unknown, context: ErrorContext = {}): string {
  if (error instanceof CliError) return error.message;
  if (error instanceof HearthError) return describeProblem(error, context);
  const unreachable = describeNetworkError(error);
  if (unreachable !== undefined) return `cannot reach ${context.serverUrl ?? "the server"}: ${unreachable}`;
  return error instanceof Error ? error.message : String(error);
}

/** The exit code an error ends the program with. */
export function exitCodeOf(error: unknown): number {
  return error instanceof CliError ? error.exitCode : EXIT_FAILED;
}

/** What --verbose adds under the line: the problem body, the causes and the stack. */
export function describeErrorDetail(error: unknown): string {
  const lines: string[] = [];
  if (error instanceof CliError && error.detail !== undefined) lines.push(error.detail);
  if (error instanceof HearthError) {
    lines.push(`status ${error.status}`, `problem ${JSON.stringify(error.problem, null, 2)}`);
  }
  for (let cause = (error as Error | undefined)?.cause; cause !== undefined; cause = (cause as Error).cause) {
    lines.push(`cause: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`);
    if (!(cause instanceof Error)) break;
  }
  if (error instanceof Error && error.stack !== undefined) lines.push(error.stack);
  return lines.join("\n");
}

function describeProblem(error: HearthError, context: ErrorContext): string {
  if (error.code === "unauthenticated") {
    return context.hasCredentials
      ? "the server refused the API key (401 unauthenticated). Run hearth login."
      : "not signed in (401 unauthenticated). Run hearth login, or set HEARTH_API_KEY.";
  }
  if (error.code === "admin-required") return `${error.problem.detail} (403 admin-required)`;
  const detail = error.problem.detail || error.problem.title;
  return `${detail} (${error.status} ${error.code})`;
}

/** Node's fetch fails with a TypeError whose cause holds the system error's code. */
const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "the connection was reset",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "the host name could not be resolved",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "the network is unreachable",
  UND_ERR_CONNECT_TIMEOUT: "timed out connecting",
  UND_ERR_SOCKET: "the connection closed unexpectedly",
  EPROTO: "the server does not speak TLS here",
};

function describeNetworkError(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== "fetch failed") return undefined;
  const cause = error.cause as (Error & { code?: string; errors?: Error[] }) | undefined;
  // A host with several addresses fails with an AggregateError of each attempt.
  const code = cause?.code ?? (cause?.errors?.[0] as { code?: string } | undefined)?.code;
  if (code !== undefined && NETWORK_ERRORS[code] !== undefined) return NETWORK_ERRORS[code];
  return cause?.message || "the request failed";
}

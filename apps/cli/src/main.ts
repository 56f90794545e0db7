/**
 * @module
 * The `hearth` program: parses the command line, runs the command, and turns any failure into one
 * line on stderr and an exit code (0 done, 1 failed, 2 usage).
 */
import { CommanderError } from "commander";
import { type GlobalOptions, resolveConnection } from "./context.ts";
import { describeError, describeErrorDetail, type ErrorContext, EXIT_OK, EXIT_USAGE, exitCodeOf } from "./errors.ts";
import { createProgram } from "./program.ts";

// `hearth conversations list | head -1` closes the pipe early: not an error worth a stack.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? EXIT_OK);
  throw error;
});

const program = createProgram();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}

/** Prints the failure and answers the exit code. Commander has printed its own usage errors already. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end with 0; `hearth` alone (help on stderr) and usage errors with 1.
    return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  const globals = program.opts<Partial<GlobalOptions>>();
  process.stderr.write(`hearth: ${describeError(error, errorContext(globals))}\n`);
  if (globals.verbose) process.stderr.write(`${describeErrorDetail(error)}\n`);
  return exitCodeOf(error);
}

/** Where the failed command was talking to, for "cannot reach …" and "refused the API key". */
function errorContext(globals: Partial<GlobalOptions>): ErrorContext {
  try {
    const connection = resolveConnection({ json: false, verbose: false, color: false, server: globals.server });
    return { serverUrl: connection.serverUrl, hasCredentials: connection.apiKey !== undefined };
  } catch {
    return {};
  }
}

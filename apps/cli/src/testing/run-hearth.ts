/**
 * @module
 * Runs the real `hearth` binary (apps/cli/bin/hearth.js) as a user would: a child process with its
 * own config dir, stdin as given (never a terminal), and none of this shell's Hearth variables.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const HEARTH_BIN = fileURLToPath(new URL("../../bin/hearth.js", import.meta.url));

export interface HearthRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Variables on top of the cleaned environment (HEARTH_CONFIG_DIR is the usual one). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Another copy of the bin to run (an installed package's), instead of this checkout's. */
  bin?: string;
}

/** Runs `hearth ...args` to the end and answers its exit code and output. */
export function runHearth(args: readonly string[], options: RunOptions = {}): Promise<HearthRun> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(HEARTH_|NO_COLOR$|FORCE_COLOR$)/.test(name)),
  );
  const child = spawn(process.execPath, [options.bin ?? HEARTH_BIN, ...args], {
    env: { ...inherited, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

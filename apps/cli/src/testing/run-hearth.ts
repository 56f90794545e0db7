/**
 * @module
 * Runs the real `hearth` binary (apps/cli/bin/hearth.js) as a user would: a child process with its
 * own config dir, stdin as given (never a terminal), and none of this shell's Hearth variables.
 */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const HEARTH_BIN = fileURLToPath(new URL("../../bin/hearth.js", import.meta.url));

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

/** Whether util-linux's `script` is here to give the command a pseudo-terminal. */
export const canRunOnTerminal = spawnSync("script", ["--version"]).status === 0;

/**
 * Runs `hearth ...args` on a pseudo-terminal (through `script`), typing each answer once the
 * terminal shows its prompt. What the terminal showed comes back as `stdout` (stdout and stderr
 * both, as a user sees them).
 */
export async function runHearthOnTerminal(
  args: readonly string[],
  options: { env?: Record<string, string>; answers?: readonly (readonly [prompt: string, answer: string])[] } = {},
): Promise<HearthRun> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(HEARTH_|NO_COLOR$|FORCE_COLOR$)/.test(name)),
  );
  const command = [process.execPath, HEARTH_BIN, ...args].map((word) => `'${word.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn("script", ["-qec", command, "/dev/null"], { env: { ...inherited, ...options.env } });
  const answers = [...(options.answers ?? [])];
  let shown = "";
  let answeredUpTo = 0;
  child.stdout.on("data", (chunk: Buffer) => {
    shown += chunk.toString();
    const next = answers[0];
    const at = next === undefined ? -1 : shown.indexOf(next[0], answeredUpTo);
    if (next === undefined || at === -1) return;
    answers.shift();
    answeredUpTo = at + next[0].length;
    child.stdin.write(`${next[1]}\r`);
  });
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout: shown, stderr: "" };
}

/**
 * @module
 * The real `hearth` binary running while a test watches its output: as a child process with pipes
 * (a pipeline, a script), or on a pseudo-terminal, where it sees a TTY and keys such as Ctrl+C arrive
 * as a person types them.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { spawn as spawnOnTerminal } from "@lydell/node-pty";

const HEARTH_BIN = fileURLToPath(new URL("../../../bin/hearth.js", import.meta.url));

/** A `hearth` process as it runs: what it printed so far, and a way to wait for what it prints next. */
export interface LiveHearth {
  stdout(): string;
  stderr(): string;
  /** Resolves once `condition` holds on what was printed (checked at each output), rejects if the process exits first. */
  waitFor(condition: () => boolean, what: string): Promise<void>;
  /** The exit code, once the process has exited. */
  exited: Promise<number | null>;
  /** Sends a signal (Ctrl+C in a pipeline arrives as SIGINT). */
  kill(signal: NodeJS.Signals): void;
}

/** On a pseudo-terminal, stdout and stderr are one stream, and keys are written to it. */
export interface HearthOnTerminal extends Omit<LiveHearth, "stderr"> {
  type(keys: string): void;
}

/** This process's environment without Hearth's own variables (a developer's login must not leak in). */
function cleanEnvironment(env: Record<string, string>): Record<string, string> {
  const inherited = Object.entries(process.env).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && !/^(HEARTH_|NO_COLOR$|FORCE_COLOR$)/.test(entry[0]),
  );
  return { ...Object.fromEntries(inherited), ...env };
}

/** Starts `hearth ...args` with pipes; `input` is written to stdin, which is then closed. */
export function startHearth(args: readonly string[], env: Record<string, string>, input = ""): LiveHearth {
  const child = spawn(process.execPath, [HEARTH_BIN, ...args], { env: cleanEnvironment(env) });
  const watcher = new OutputWatcher();
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    watcher.check();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    watcher.check();
  });
  child.stdin.end(input);
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  watcher.endWith(exited, () => `stdout: ${stdout}\nstderr: ${stderr}`);
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (condition, what) => watcher.waitFor(condition, what),
    exited,
    kill: (signal) => child.kill(signal),
  };
}

/** Starts `hearth ...args` on a pseudo-terminal of 120 columns (node-pty). */
export function startHearthOnTerminal(args: readonly string[], env: Record<string, string>): HearthOnTerminal {
  const terminal = spawnOnTerminal(process.execPath, [HEARTH_BIN, ...args], {
    env: cleanEnvironment({ TERM: "xterm-256color", ...env }),
    cols: 120,
    rows: 40,
  });
  const watcher = new OutputWatcher();
  let output = "";
  terminal.onData((data) => {
    output += data;
    watcher.check();
  });
  const exited = new Promise<number | null>((resolve) => terminal.onExit(({ exitCode }) => resolve(exitCode)));
  watcher.endWith(exited, () => output);
  return {
    stdout: () => output,
    waitFor: (condition, what) => watcher.waitFor(condition, what),
    exited,
    kill: (signal) => terminal.kill(signal),
    type: (keys) => terminal.write(keys),
  };
}

/** Conditions waited on, checked each time output arrives. */
class OutputWatcher {
  #waiting: { condition: () => boolean; resolve: () => void; reject: (error: Error) => void; what: string }[] = [];
  #hasExited = false;
  #describe: () => string = () => "";

  waitFor(condition: () => boolean, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    if (this.#hasExited) return Promise.reject(this.#exitedBefore(what));
    return new Promise((resolve, reject) => this.#waiting.push({ condition, resolve, reject, what }));
  }

  check(): void {
    this.#waiting = this.#waiting.filter((waiting) => {
      if (!waiting.condition()) return true;
      waiting.resolve();
      return false;
    });
  }

  endWith(exited: Promise<unknown>, describe: () => string): void {
    this.#describe = describe;
    void exited.then(() => {
      this.check();
      this.#hasExited = true;
      for (const waiting of this.#waiting) waiting.reject(this.#exitedBefore(waiting.what));
      this.#waiting = [];
    });
  }

  #exitedBefore(what: string): Error {
    return new Error(`hearth exited before ${what}:\n${this.#describe()}`);
  }
}

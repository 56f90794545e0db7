/**
 * @module
 * Questions on the terminal (setup, login) and secrets read from stdin (`--password-stdin`), so a
 * password never has to sit in the shell's history or the process list.
 */
import { createInterface, type Interface } from "node:readline/promises";
import { Writable } from "node:stream";
import { UsageError } from "./errors.ts";

/** Whether questions can be asked: stdin and stderr (where they are asked) are a terminal. */
export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** Asks on stderr and reads one line; `fallback` when the answer is empty. */
export async function ask(question: string, fallback?: string): Promise<string> {
  const readline = createInterface({ input: process.stdin, output: process.stderr });
  leaveOnInterrupt(readline);
  try {
    const shown = fallback ? `${question} [${fallback}]: ` : `${question}: `;
    const answer = (await readline.question(shown)).trim();
    return answer || fallback || "";
  } finally {
    readline.close();
  }
}

/** Asks for a secret without echoing what is typed. */
export async function askHidden(question: string): Promise<string> {
  // Readline echoes what is typed to its output: here, nowhere.
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  // The interface puts the terminal in raw mode (no echo) first; only then is the question shown, so
  // an answer typed or pasted ahead is never echoed by the terminal itself.
  const readline = createInterface({ input: process.stdin, output: muted, terminal: true });
  leaveOnInterrupt(readline);
  process.stderr.write(`${question}: `);
  try {
    return await readline.question("");
  } finally {
    readline.close();
    process.stderr.write("\n");
  }
}

/**
 * Ctrl+C at a question ends the program, as it would without one: in raw mode the terminal sends no
 * signal, and readline would only pause, leaving the question waiting forever.
 */
function leaveOnInterrupt(readline: Interface): void {
  readline.on("SIGINT", () => {
    readline.close();
    process.stderr.write("\n");
    process.exit(130);
  });
}

/** Asks a yes/no question; Enter takes `fallback`. */
export async function confirm(question: string, fallback: boolean): Promise<boolean> {
  const answer = (await ask(`${question} ${fallback ? "[Y/n]" : "[y/N]"}`)).toLowerCase();
  if (answer === "") return fallback;
  return answer === "y" || answer === "yes";
}

/** All of stdin, less one trailing line break: a secret piped in (`echo "$PASSWORD" | hearth …`). */
export async function readSecretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    throw new UsageError(`--${what}-stdin reads the ${what.replace("-", " ")} from a pipe, but stdin is a terminal`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const secret = Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
  if (secret === "") throw new UsageError(`--${what}-stdin read nothing from stdin`);
  return secret;
}

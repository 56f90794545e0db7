/**
 * @module
 * The prompt line of an interactive chat (node:readline), with what a chat needs besides: keys typed
 * while a reply streams are kept for the next prompt but not echoed into the reply's text, and Ctrl+C
 * is handed to the chat (it stops a reply) instead of ending the program.
 */
import * as readline from "node:readline";
import { Writable } from "node:stream";

type TerminalOutput = NodeJS.WriteStream;

export class TerminalLineReader {
  readonly #readline: readline.Interface;
  readonly #terminal: TerminalOutput;
  #isMuted = false;
  #isClosed = false;
  /** Lines entered while no prompt waited (typed ahead during a reply). */
  readonly #typedAhead: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;

  constructor(options: {
    input: NodeJS.ReadStream;
    output: TerminalOutput;
    /** Ctrl+C, with the line as typed so far. */
    onInterrupt: (line: string) => void;
    /** Ctrl+D at an empty line, or the input ended. */
    onClose: () => void;
  }) {
    this.#terminal = options.output;
    this.#readline = readline.createInterface({
      input: options.input,
      output: this.#mutableOutput(options.output),
      terminal: options.input.isTTY === true,
      historySize: 200,
    });
    this.#readline.on("line", (line) => {
      const waiting = this.#waiting;
      this.#waiting = undefined;
      if (waiting === undefined) this.#typedAhead.push(line);
      else waiting(line);
    });
    this.#readline.on("SIGINT", () => options.onInterrupt(this.#readline.line));
    this.#readline.on("close", () => {
      this.#isClosed = true;
      this.#waiting?.(undefined);
      this.#waiting = undefined;
      options.onClose();
    });
  }

  /** The next line entered after `prompt` (undefined once closed); a line typed ahead comes first, echoed. */
  read(prompt: string, prefill = ""): Promise<string | undefined> {
    if (this.#isClosed) return Promise.resolve(undefined);
    this.#isMuted = false;
    this.#readline.setPrompt(prompt);
    const typed = this.#typedAhead.shift();
    if (typed !== undefined) {
      this.#terminal.write(`${prompt}${typed}\n`);
      return Promise.resolve(typed);
    }
    return new Promise((resolve) => {
      this.#waiting = resolve;
      this.#readline.prompt(true);
      if (prefill !== "") this.#readline.write(prefill);
    });
  }

  /** Stops echoing keys (a reply is being printed); the next `read` shows them again. */
  mute(): void {
    this.#isMuted = true;
  }

  /** Empties the line being typed and shows a fresh prompt (Ctrl+C on a line with text). */
  clearLine(): void {
    const wasMuted = this.#isMuted;
    this.#isMuted = true;
    this.#readline.write(null, { ctrl: true, name: "e" });
    this.#readline.write(null, { ctrl: true, name: "u" });
    this.#isMuted = wasMuted;
    if (wasMuted) return;
    this.#terminal.write("\n");
    this.#readline.prompt();
  }

  close(): void {
    this.#readline.close();
  }

  /** The terminal as readline sees it: the same size and events, silent while muted. */
  #mutableOutput(terminal: TerminalOutput): NodeJS.WritableStream {
    const output = new Writable({
      write: (chunk, _encoding, done) => {
        if (!this.#isMuted) terminal.write(chunk);
        done();
      },
    });
    Object.defineProperties(output, {
      isTTY: { get: () => terminal.isTTY },
      columns: { get: () => terminal.columns },
      rows: { get: () => terminal.rows },
    });
    terminal.on("resize", () => output.emit("resize"));
    return output;
  }
}

/**
 * @module
 * A reply as it streams: its text as it comes, its tool calls and results on lines of their own, and
 * how it ended. All model text is sanitized on the way to the terminal.
 */
import type { ReplyEvent } from "@hearth/sdk";
import type { Output } from "../output.ts";
import { TerminalTextFilter } from "./sanitize-terminal-text.ts";
import { toolCallLine, toolResultLine } from "./tool-lines.ts";

/** How following a reply ended: the reply's own end, or why its events stopped coming before it. */
export type ReplyEnd =
  | { kind: "done" | "cancelled" | "interrupted" }
  | { kind: "error"; error: string }
  /** The reply's events are no longer kept (`conversation.refetch`): read the stored reply instead. */
  | { kind: "refetch" }
  /** The session or API key ended (`stream.closed`). */
  | { kind: "closed"; reason: string }
  /** The events stopped before the reply ended: the command stopped following, or the server went away. */
  | { kind: "unfinished" };

/** Prints a reply's events to stdout as they come, and tells how it ended. */
export class ReplyPrinter {
  readonly #output: Output;
  readonly #filter = new TerminalTextFilter();
  /** The reply's text as the model wrote it (what the stored reply's content starts with). */
  text = "";
  #lastWritten = "";

  constructor(output: Output) {
    this.#output = output;
  }

  /** Prints every event of `events` and answers how the reply ended. */
  async print(events: AsyncIterable<ReplyEvent>): Promise<ReplyEnd> {
    try {
      for await (const event of events) {
        const end = this.#show(event);
        if (end !== undefined) return end;
      }
      return { kind: "unfinished" };
    } finally {
      this.#write(this.#filter.flush());
      this.endLine();
    }
  }

  /** Text written after the events, such as the rest of a stored reply. */
  append(text: string): void {
    this.text += text;
    this.#write(this.#filter.push(text));
  }

  /** Ends the line the reply's text is on, so whatever comes next starts a line of its own. */
  endLine(): void {
    if (this.#lastWritten !== "" && !this.#lastWritten.endsWith("\n")) this.#write("\n");
  }

  #show(event: ReplyEvent): ReplyEnd | undefined {
    switch (event.type) {
      case "message.delta":
        this.append(event.data.delta);
        return undefined;
      case "message.tool-call":
        this.#toolLine(toolCallLine(event.data));
        return undefined;
      case "message.tool-result":
        this.#toolLine(toolResultLine(event.data));
        return undefined;
      case "message.done":
        return { kind: event.data.status };
      case "message.error":
        return { kind: "error", error: event.data.error };
      case "conversation.refetch":
        return { kind: "refetch" };
      case "stream.closed":
        return { kind: "closed", reason: event.data.reason };
      default:
        return undefined;
    }
  }

  #toolLine(line: string): void {
    this.#write(this.#filter.flush());
    this.endLine();
    this.#write(`${this.#output.style("dim", line)}\n`);
  }

  #write(text: string): void {
    if (text === "") return;
    this.#lastWritten = text;
    this.#output.write(text);
  }
}

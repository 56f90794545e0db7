/**
 * @module
 * A conversation's events as a person reads them (`hearth follow`): a header for each message, a
 * reply's text as it streams, its tool calls, how it ended, and what changed in the conversation.
 * All text from the conversation is sanitized on the way to the terminal.
 */
import type { ReceivedEvent } from "@hearth/sdk";
import { type Output, printable, shortDate } from "../output.ts";
import { TerminalTextFilter } from "./sanitize-terminal-text.ts";
import { toolCallLine, toolResultLine } from "./tool-lines.ts";

export class EventPrinter {
  readonly #output: Output;
  /** The message whose text is being printed, and its filter (a sequence may span two deltas). */
  #messageId: string | undefined;
  #filter = new TerminalTextFilter();
  #isMidLine = false;

  constructor(output: Output) {
    this.#output = output;
  }

  show(event: ReceivedEvent): void {
    switch (event.type) {
      case "message.created": {
        const { data } = event;
        const who = data.role === "user" ? "you" : `assistant${data.model ? ` (${printable(data.model)})` : ""}`;
        this.#header(`${who} · ${shortDate(data.createdAt)}`, data.id);
        this.#text(data.id, data.content);
        return;
      }
      case "message.delta":
        this.#text(event.data.messageId, event.data.delta);
        return;
      case "message.tool-call":
        this.#line(event.data.messageId, "dim", toolCallLine(event.data));
        return;
      case "message.tool-result":
        this.#line(event.data.messageId, "dim", toolResultLine(event.data));
        return;
      case "message.done": {
        const { status, usage } = event.data;
        const tokens = usage === null ? "" : ` · ${usage.completionTokens} tokens`;
        this.#line(event.data.messageId, status === "done" ? "dim" : "yellow", `[${status}${tokens}]`);
        return;
      }
      case "message.error":
        this.#line(event.data.messageId, "red", `[error: ${printable(event.data.error)}]`);
        return;
      case "conversation.updated":
        this.#note(`conversation: "${printable(event.data.title)}", model ${printable(event.data.model ?? "default")}`);
        return;
      case "conversation.refetch":
        this.#note(`events were missed (${printable(event.data.reason)}); hearth conversations show has the rest`);
        return;
      default:
        return;
    }
  }

  /** Ends the line being printed (following stopped). */
  finish(): void {
    this.#endText();
  }

  #header(title: string, messageId: string): void {
    this.#endText();
    this.#messageId = messageId;
    this.#output.line(this.#output.style("bold", `── ${title} ──`));
  }

  /** A message's text; a message other than the one printing gets its own header first. */
  #text(messageId: string, text: string): void {
    if (messageId !== this.#messageId) this.#header(`message ${messageId.slice(0, 8)} continues`, messageId);
    const printed = this.#filter.push(text);
    if (printed === "") return;
    this.#output.write(printed);
    this.#isMidLine = !printed.endsWith("\n");
  }

  #line(messageId: string, style: "dim" | "yellow" | "red", text: string): void {
    if (messageId !== this.#messageId) this.#header(`message ${messageId.slice(0, 8)}`, messageId);
    this.#endText();
    this.#output.line(this.#output.style(style, text));
  }

  #note(text: string): void {
    this.#endText();
    this.#output.line(this.#output.style("dim", `· ${text}`));
  }

  /** Flushes the text being printed and ends its line, so whatever comes next starts a line of its own. */
  #endText(): void {
    const rest = this.#filter.flush();
    if (rest !== "") {
      this.#output.write(rest);
      this.#isMidLine = !rest.endsWith("\n");
    }
    if (this.#isMidLine) this.#output.write("\n");
    this.#isMidLine = false;
  }
}

/**
 * @module
 * `hearth chat` on a terminal: a prompt, replies streamed as they come, slash commands. Ctrl+C stops
 * the reply being written (on the server, which keeps its text as `cancelled`), not the program; at
 * the prompt it clears the line, and on an empty line it leaves, as Ctrl+D and /exit do.
 */
import type { components, StreamedReply } from "@hearth/sdk";
import { describeError } from "../errors.ts";
import { printable } from "../output.ts";
import type { ReplyEnd } from "./print-reply.ts";
import { errorContextOf, printReplyToEnd, type ReplyTarget } from "./print-reply-to-end.ts";
import { runSlashCommand } from "./slash-commands.ts";
import { TerminalLineReader } from "./terminal-line-reader.ts";

type Message = components["schemas"]["Message"];

/** A reply being printed, and how far stopping it has gone. */
interface CurrentReply {
  /** Stops following the reply here (a second Ctrl+C, or leaving while it streams). */
  stopFollowing: AbortController;
  replyId: string | undefined;
  isCancelling: boolean;
}

export class InteractiveChat {
  readonly target: ReplyTarget;
  readonly #lines: TerminalLineReader;
  #current: CurrentReply | undefined;
  #isLeaving = false;
  /** Set by /edit without text: the next line replaces the last question. */
  #isEditing = false;

  constructor(target: ReplyTarget, streams: { input: NodeJS.ReadStream; output: NodeJS.WriteStream }) {
    this.target = target;
    this.#lines = new TerminalLineReader({
      ...streams,
      onInterrupt: (line) => this.#interrupt(line),
      onClose: () => this.leave(),
    });
  }

  /** Reads and answers lines until the user leaves. */
  async run(): Promise<void> {
    this.#greet();
    while (!this.#isLeaving) {
      const prefill = this.#isEditing ? (this.target.session.lastQuestion?.content ?? "") : "";
      const line = await this.#lines.read(this.#isEditing ? "edit> " : "> ", prefill);
      if (line === undefined) break;
      await this.#answer(line).catch((error: unknown) => this.#tellError(error));
    }
    this.#lines.close();
  }

  /** Ends the chat: at once at the prompt; while a reply streams, once it stopped. */
  leave(): void {
    const current = this.#current;
    if (current === undefined) {
      const wasLeaving = this.#isLeaving;
      this.#isLeaving = true;
      if (!wasLeaving) this.#lines.close();
      return;
    }
    this.#isLeaving = true;
    this.#cancel(current);
    current.stopFollowing.abort();
  }

  /** Starts editing the last question on the next prompt (which shows its text to change). */
  beginEdit(): void {
    this.#isEditing = true;
  }

  /** Prints a reply until it ends, Ctrl+C stopping it; answers how it ended. */
  async reply(start: (signal: AbortSignal) => Promise<StreamedReply<{ assistantMessage: Message }>>): Promise<void> {
    const current: CurrentReply = { stopFollowing: new AbortController(), replyId: undefined, isCancelling: false };
    this.#current = current;
    this.target.watch.reset();
    this.#lines.mute();
    try {
      const reply = await start(AbortSignal.any([current.stopFollowing.signal, this.target.watch.signal]));
      current.replyId = reply.started.assistantMessage.id;
      // Ctrl+C came while the reply was being started.
      if (current.isCancelling) this.#cancel(current);
      this.#tellEnd(await printReplyToEnd(reply, this.target));
    } finally {
      this.#current = undefined;
    }
  }

  async #answer(line: string): Promise<void> {
    const isEditing = this.#isEditing;
    this.#isEditing = false;
    if (line.trim() === "") return;
    if (line.startsWith("/") && !line.startsWith("//")) {
      await runSlashCommand(this, line);
      return;
    }
    const content = line.startsWith("//") ? line.slice(1) : line;
    const { session } = this.target;
    if (isEditing) await this.reply((signal) => session.edit(content, signal));
    else await this.reply((signal) => session.send(content, signal));
  }

  #interrupt(line: string): void {
    const current = this.#current;
    if (current === undefined) {
      if (line === "") this.leave();
      else this.#lines.clearLine();
      return;
    }
    if (current.isCancelling) {
      // The server has not confirmed the stop yet: stop waiting for it here.
      current.stopFollowing.abort();
      return;
    }
    current.isCancelling = true;
    this.#cancel(current);
  }

  #cancel(current: CurrentReply): void {
    current.isCancelling = true;
    if (current.replyId === undefined) return;
    this.target.session.cancel(current.replyId).catch((error: unknown) => this.#tellError(error));
  }

  #greet(): void {
    const { output, session, connection } = this.target;
    const model = session.model ?? session.conversation?.model ?? "the server's default model";
    const where = session.conversation
      ? `conversation "${printable(session.conversation.title)}"`
      : "a new conversation";
    output.line(output.style("dim", `Hearth chat on ${connection.serverUrl}: ${where}, ${printable(model)}.`));
    output.line(output.style("dim", "Type /help for commands. Ctrl+C stops a reply; Ctrl+D or /exit leaves."));
  }

  #tellEnd(end: ReplyEnd): void {
    const { output } = this.target;
    if (end.kind === "cancelled") output.line(output.style("yellow", "[stopped: the text so far is kept]"));
    else if (end.kind === "interrupted") output.line(output.style("yellow", "[interrupted: the server stopped]"));
    else if (end.kind === "error") this.#tellProblem(`the reply failed: ${printable(end.error)}`);
    else if (end.kind === "closed") this.#tellProblem(`the server closed the event stream: ${printable(end.reason)}`);
    else if (end.kind === "unfinished") output.line(output.style("yellow", "[no longer following the reply]"));
  }

  #tellError(error: unknown): void {
    this.#tellProblem(describeError(error, errorContextOf(this.target)));
  }

  #tellProblem(line: string): void {
    const { output } = this.target;
    output.info(output.style("red", `✗ ${line}`));
  }
}

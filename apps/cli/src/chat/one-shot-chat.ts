/**
 * @module
 * `hearth chat "prompt"`: one message, its reply streamed to stdout (or, with --json, the stored reply
 * as JSON once it ended). A reply that does not end `done` fails the command with its reason.
 */
import { Writable } from "node:stream";
import { CliError } from "../errors.ts";
import { Output, printable } from "../output.ts";
import type { ChatSession } from "./chat-session.ts";
import type { ReplyEnd } from "./print-reply.ts";
import { printReplyToEnd, type ReplyTarget } from "./print-reply-to-end.ts";

/** Sends `content`, prints the reply as it comes, and fails (exit 1) unless it ends `done`. */
export async function runOneShotChat(target: ReplyTarget, content: string, options: { json: boolean }): Promise<void> {
  const { session, watch } = target;
  const stop = new AbortController();
  let replyId: string | undefined;
  let interrupts = 0;
  // Ctrl+C stops the reply on the server (its text is kept, `cancelled`), then the command ends with
  // it; pressed before the reply exists, once it does. A second Ctrl+C stops waiting.
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) stop.abort();
    else if (replyId !== undefined) void cancelQuietly(session, replyId);
  };
  process.on("SIGINT", onInterrupt);
  try {
    const printed = options.json ? { ...target, output: discardingOutput() } : target;
    const reply = await session.send(content, AbortSignal.any([stop.signal, watch.signal]));
    replyId = reply.started.assistantMessage.id;
    if (interrupts > 0) void cancelQuietly(session, replyId);
    const end = await printReplyToEnd(reply, printed);
    if (options.json) target.output.json(await session.storedMessage(replyId));
    if (end.kind !== "done") throw new CliError(describeEnd(end, interrupts > 0));
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

/** Why a reply that did not end `done` failed the command, on one line. */
function describeEnd(end: Exclude<ReplyEnd, { kind: "done" }>, wasInterrupted: boolean): string {
  switch (end.kind) {
    case "cancelled":
      return wasInterrupted ? "the reply was stopped (Ctrl+C); its text so far is kept" : "the reply was cancelled";
    case "interrupted":
      return "the server stopped during the reply (interrupted); its text so far is kept";
    case "error":
      return `the reply failed: ${printable(end.error)}`;
    case "closed":
      return `the server closed the event stream: ${printable(end.reason)}`;
    default:
      return wasInterrupted ? "stopped before the reply ended (Ctrl+C)" : "the reply did not finish";
  }
}

async function cancelQuietly(session: ChatSession, replyId: string): Promise<void> {
  // A failed cancel leaves the reply running; the stream still tells how it ends.
  await session.cancel(replyId).catch(() => {});
}

/** With --json the reply's text is not streamed: stdout holds the JSON alone. */
function discardingOutput(): Output {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  return new Output({ json: false, color: false }, { stdout: discard, stderr: process.stderr });
}

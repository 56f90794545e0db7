import type { components, StreamedReply } from "@hearth/sdk";
import type { Connection } from "../context.ts";
import { CliError, describeError, type ErrorContext } from "../errors.ts";
import type { Output } from "../output.ts";
import type { ChatSession } from "./chat-session.ts";
import type { ConnectionWatch } from "./connection-watch.ts";
import { type ReplyEnd, ReplyPrinter } from "./print-reply.ts";

type Message = components["schemas"]["Message"];

export interface ReplyTarget {
  output: Output;
  session: ChatSession;
  watch: ConnectionWatch;
  connection: Connection;
}

/** What describing an error of this chat needs: the server, and whether a key was sent. */
export function errorContextOf(target: ReplyTarget): ErrorContext {
  return { serverUrl: target.connection.serverUrl, hasCredentials: target.connection.apiKey !== undefined };
}

/**
 * Prints a reply until it ends, and answers how it ended. Where its events are no longer kept
 * (`conversation.refetch`), the rest comes from the stored reply. A server that stays unreachable
 * is a failure (CliError); a reply the command stopped following is `unfinished`.
 */
export async function printReplyToEnd(
  reply: StreamedReply<{ assistantMessage: Message }>,
  target: ReplyTarget,
): Promise<ReplyEnd> {
  const printer = new ReplyPrinter(target.output);
  const end = await printer.print(reply.events);
  if (end.kind === "refetch") return printStoredRest(printer, reply.started.assistantMessage, target);
  if (end.kind === "unfinished" && target.watch.failure !== undefined) {
    const reason = describeError(target.watch.failure, errorContextOf(target));
    throw new CliError(`lost the connection during the reply: ${reason}`, { cause: target.watch.failure });
  }
  return end;
}

/** The rest of a reply whose events were missed, read from the store: what it holds beyond what was printed. */
async function printStoredRest(printer: ReplyPrinter, started: Message, target: ReplyTarget): Promise<ReplyEnd> {
  const stored = await target.session.storedMessage(started.id);
  if (stored === undefined) return { kind: "unfinished" };
  printer.append(stored.content.slice(printer.text.length));
  printer.endLine();
  switch (stored.status) {
    case "done":
    case "cancelled":
    case "interrupted":
      return { kind: stored.status };
    case "error":
      return { kind: "error", error: stored.error ?? "unknown error" };
    default:
      target.output.info(`The reply is still being written: hearth follow ${started.conversationId} shows the rest.`);
      return { kind: "unfinished" };
  }
}

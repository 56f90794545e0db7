import type { HearthClient } from "./create-hearth-client.ts";
import { followConversation, type ReceivedEvent } from "./follow-conversation.ts";
import type { components } from "./generated/openapi.ts";
import { unwrap } from "./unwrap.ts";

type Message = components["schemas"]["Message"];
type ReplyEventType =
  | "message.created"
  | "message.delta"
  | "message.tool-call"
  | "message.tool-result"
  | "message.done"
  | "message.error"
  | "conversation.refetch"
  | "stream.closed";
/** What a reply's stream yields: its own events, and the stream's own ends. */
export type ReplyEvent = Extract<ReceivedEvent, { type: ReplyEventType }>;

export interface StreamedReply<Started extends { assistantMessage: Message }> {
  /** What the request answered: the reply (pending) and, for a send or an edit, the question. */
  started: Started;
  /**
   * The reply's events until its `message.done` or `message.error` (the last one yielded). Ends early
   * with `conversation.refetch` (its events are gone: read the message instead) or `stream.closed`.
   */
  events: AsyncGenerator<ReplyEvent, void, undefined>;
}

/**
 * Starts a reply (send, edit or regenerate) with the conversation's events already followed, so none
 * of the reply's is missed, and streams them.
 */
export async function streamReply<Started extends { assistantMessage: Message }>(
  client: HearthClient,
  conversationId: string,
  start: () => Promise<Started>,
  options: { signal?: AbortSignal | undefined } = {},
): Promise<StreamedReply<Started>> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let onConnect = () => {};
  const connected = new Promise<void>((resolve) => {
    onConnect = resolve;
  });
  const all = followConversation(client, conversationId, { signal: stop.signal, onConnect });
  const first = all.next();
  const release = () => {
    options.signal?.removeEventListener("abort", onAbort);
    stop.abort();
  };
  let started: Started;
  try {
    // The stream starts with what happens after it opened: open it before the reply starts.
    await Promise.race([connected, first]);
    started = await start();
  } catch (error) {
    release();
    await all.return();
    throw error;
  }
  const replyId = started.assistantMessage.id;
  const events = async function* () {
    try {
      for (let next = await first; next.done !== true; next = await all.next()) {
        const event = next.value;
        if (event.type === "conversation.refetch" || event.type === "stream.closed") {
          yield event;
          return;
        }
        if (!isOfReply(event, replyId)) continue;
        yield event as ReplyEvent;
        if (event.type === "message.done" || event.type === "message.error") return;
      }
    } finally {
      release();
      await all.return();
    }
  };
  return { started, events: events() };
}

function isOfReply(event: ReceivedEvent, replyId: string): boolean {
  if (event.type === "message.created") return event.data.id === replyId;
  return "messageId" in event.data && event.data.messageId === replyId;
}

/** Sends a message and streams its reply: `for await (const event of reply.events)`. */
export async function sendMessage(
  client: HearthClient,
  conversationId: string,
  body: components["schemas"]["SendMessageInput"],
  options: { signal?: AbortSignal | undefined } = {},
): Promise<StreamedReply<components["schemas"]["Exchange"]>> {
  return streamReply(
    client,
    conversationId,
    async () =>
      unwrap(
        await client.api.POST("/api/conversations/{id}/messages", { params: { path: { id: conversationId } }, body }),
      ),
    options,
  );
}

import type { HearthClient } from "./create-hearth-client.ts";
import type { components } from "./generated/openapi.ts";
import { HearthError } from "./hearth-error.ts";
import { DEFAULT_RETRY_MS, eventStreamOf, pauseBeforeReconnect, readServerSentEvents } from "./server-sent-events.ts";

/** One event of a conversation's stream, typed by its `type`. */
export type ConversationEvent = components["schemas"]["ConversationEvent"];
/**
 * An event as `followConversation` yields it: with its id (every event but `stream.closed` has one).
 * `stream.opened` only tells where a stream starts; following uses it to resume and does not yield it.
 */
export type ReceivedEvent = Exclude<ConversationEvent, { type: "stream.opened" }> & { id: number | undefined };

export interface FollowOptions {
  /** Ends the stream (the iterator returns) when aborted. */
  signal?: AbortSignal | undefined;
  /** Resume after this event id; without it the stream starts with the next event. `0` replays all kept. */
  lastEventId?: number | undefined;
  /**
   * Called each time a connection is established and knows where it starts (the first, and each after
   * a reconnect): from then on no event is missed, even if the connection drops before the first one.
   */
  onConnect?: (() => void) | undefined;
}

/**
 * A conversation's events as they happen, reconnecting by itself with Last-Event-ID after a dropped
 * connection; an event is never yielded twice. `conversation.refetch` is yielded (the events missed
 * are gone: reload the conversation) and following goes on after it. `stream.closed` (the session or
 * API key ended) is yielded last: the iterator then returns. Aborting `signal` also returns.
 * A problem answered when (re)connecting is thrown as a `HearthError`.
 */
export async function* followConversation(
  client: HearthClient,
  conversationId: string,
  options: FollowOptions = {},
): AsyncGenerator<ReceivedEvent, void, undefined> {
  const { signal } = options;
  let lastEventId = options.lastEventId;
  let retryMs = DEFAULT_RETRY_MS;
  while (!signal?.aborted) {
    let body: ReadableStream<Uint8Array>;
    try {
      body = await connect(client, conversationId, lastEventId, signal);
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof HearthError) throw error;
      await pauseBeforeReconnect(retryMs, signal);
      continue;
    }
    // Asked from a known id, the stream starts there; asked for "what happens next", the server
    // first says where that is (stream.opened), and a reconnect resumes from it.
    if (lastEventId !== undefined) options.onConnect?.();
    const messages = readServerSentEvents(body, {
      signal,
      onRetry: (ms) => {
        retryMs = ms;
      },
    });
    try {
      for await (const message of messages) {
        const id = message.id === undefined || message.id === "" ? undefined : Number(message.id);
        const event = { id, type: message.event, data: JSON.parse(message.data) } as ConversationEvent & {
          id: number | undefined;
        };
        if (event.type === "stream.opened") {
          lastEventId = id ?? event.data.lastEventId;
          options.onConnect?.();
          continue;
        }
        if (event.type === "stream.closed") {
          yield event;
          return;
        }
        if (id !== undefined) {
          // A refetch's id may be below ours (we asked past the log's end): it resets where we are.
          if (event.type !== "conversation.refetch" && lastEventId !== undefined && id <= lastEventId) continue;
          lastEventId = id;
        }
        yield event;
      }
    } catch (error) {
      // A dropped connection errors the body: reconnect below. An abort is the caller's to end.
      if (signal?.aborted) return;
      if (error instanceof SyntaxError) throw error;
    }
    await pauseBeforeReconnect(retryMs, signal);
  }
}

async function connect(
  client: HearthClient,
  conversationId: string,
  lastEventId: number | undefined,
  signal: AbortSignal | undefined,
): Promise<ReadableStream<Uint8Array>> {
  const result = await client.api.GET("/api/conversations/{id}/events", {
    params: {
      path: { id: conversationId },
      ...(lastEventId === undefined ? {} : { header: { "last-event-id": String(lastEventId) } }),
    },
    parseAs: "stream",
    headers: { Accept: "text/event-stream" },
    ...(signal === undefined ? {} : { signal }),
  });
  return eventStreamOf(result);
}

import { createHearthClient, type FollowOptions, followConversation, type ReceivedEvent } from "@hearth/sdk";

interface ConnectionOptions extends Omit<FollowOptions, "onConnect"> {
  /** True when a connection is established (and knows where it starts), false when one dropped. */
  onConnection: (isUp: boolean) => void;
}

/**
 * A conversation's events, as `followConversation` gives them (reconnecting by itself with
 * Last-Event-ID), and whether the connection is up: the SDK reconnects silently, so the stream's
 * fetch is watched for a connection that fails or ends. Its own client, for that fetch only: the
 * stream is a GET, which needs the session cookie and no CSRF token.
 */
export function followWithConnection(
  conversationId: string,
  options: ConnectionOptions,
): AsyncGenerator<ReceivedEvent, void, undefined> {
  const { onConnection, signal, ...follow } = options;
  const dropped = () => {
    if (!signal?.aborted) onConnection(false);
  };
  const client = createHearthClient({ baseUrl: "", fetch: watchedFetch(dropped) });
  return followConversation(client, conversationId, { ...follow, signal, onConnect: () => onConnection(true) });
}

/** A fetch that calls `dropped` when a request fails or a streamed body errors or ends. */
function watchedFetch(dropped: () => void): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      dropped();
      throw error;
    }
    if (response.body === null || !response.ok) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            dropped();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          dropped();
          controller.error(error);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    const { status, statusText, headers } = response;
    return new Response(body, { status, statusText, headers });
  };
}

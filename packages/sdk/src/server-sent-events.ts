/**
 * @module
 * Reading the API's `text/event-stream` answers: the one parser (eventsource-parser) every stream of
 * the SDK goes through, the problem an answer without a stream becomes, and the wait before a
 * reconnect.
 */
import type { EventSourceMessage } from "eventsource-parser";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { HearthError } from "./hearth-error.ts";
import { sleep } from "./hearth-fetch.ts";

/** How long to wait before reconnecting, until the server says otherwise (it sends `retry:`). */
export const DEFAULT_RETRY_MS = 2000;

/** What an openapi-fetch call with `parseAs: "stream"` answers. */
interface StreamResult {
  data?: ReadableStream<Uint8Array> | null;
  error?: { code: string; type?: string; title?: string; detail?: string } | undefined;
  response: Response;
}

/** The event stream a call answered, or the problem it answered instead, thrown as a `HearthError`. */
export function eventStreamOf(result: StreamResult): ReadableStream<Uint8Array> {
  const { data, error, response } = result;
  if (error === undefined && data !== null && data !== undefined) return data;
  throw new HearthError({
    type: "about:blank",
    title: "No stream",
    detail: "The server sent no event stream.",
    ...error,
    code: error?.code ?? "unexpected-response",
    status: response.status,
  });
}

/**
 * The events of a stream's body as they come. The body is released (cancelled) when the loop stops
 * early or `signal` aborts; a dropped connection errors the iteration.
 */
export function readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  options: { signal?: AbortSignal | undefined; onRetry?: ((ms: number) => void) | undefined } = {},
): AsyncGenerator<EventSourceMessage, void, undefined> {
  const { onRetry } = options;
  const messages = body
    .pipeThrough(textDecoder())
    .pipeThrough(new EventSourceParserStream(onRetry === undefined ? {} : { onRetry }));
  return iterate(messages, options.signal);
}

/** Waits before reconnecting; resolves early (and quietly) on abort, so the loop can see it and end. */
export async function pauseBeforeReconnect(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, signal).catch(() => {});
}

/**
 * A TextDecoderStream, typed as what it does. The DOM's types (TypeScript 5.7+) take only
 * ArrayBuffer-backed chunks into it, which a response body's `Uint8Array` is not said to be.
 */
function textDecoder(): TransformStream<Uint8Array, string> {
  return new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>;
}

/**
 * Async iteration of a ReadableStream, releasing (cancelling) it when the loop stops early or `signal`
 * aborts. The abort cancels the reading itself: undici passes a signal on from one Request to a Request
 * made from it only through a weak reference, so once openapi-fetch's Request is garbage, aborting no
 * longer reaches a response that is still streaming.
 */
async function* iterate<T>(
  stream: ReadableStream<T>,
  signal: AbortSignal | undefined,
): AsyncGenerator<T, void, undefined> {
  const reader = stream.getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    await reader.cancel().catch(() => {});
  }
}

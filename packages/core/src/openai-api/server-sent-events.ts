/** @module The server-sent event streams of /v1: OpenAI's `data: {json}` lines, with an `event:` name where the API has one. */

export const EVENT_STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache",
  // nginx would otherwise hold the deltas back to fill its buffer.
  "X-Accel-Buffering": "no",
};

/** The last event of a chat or text completion stream that ended well. */
export const DONE = "[DONE]";

/** Sends one event: JSON data (or DONE), with an `event:` line when `name` is given. */
export type SendEvent = (data: unknown, name?: string) => void;

const encoder = new TextEncoder();

/**
 * A stream whose events `write` sends; it closes once `write` is done. The generation behind it runs
 * to its end whether or not the client reads as fast: it holds a model sequence and a completion
 * slot, which a client that stalls must not keep (a reply's events are small next to the memory that
 * holds the model); a client that leaves calls `abort`, which stops it.
 */
export function eventStream(write: (send: SendEvent) => Promise<void>, abort: () => void): ReadableStream<Uint8Array> {
  let isClosed = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send: SendEvent = (data, name) => {
        if (isClosed) return;
        const text = data === DONE ? DONE : JSON.stringify(data);
        controller.enqueue(encoder.encode(`${name === undefined ? "" : `event: ${name}\n`}data: ${text}\n\n`));
      };
      write(send).then(
        () => {
          if (isClosed) return;
          isClosed = true;
          controller.close();
        },
        // A bug, not a model's failure (those are events): the client sees the stream break off.
        (error: unknown) => {
          if (isClosed) return;
          isClosed = true;
          controller.error(error);
        },
      );
    },
    cancel() {
      isClosed = true;
      abort();
    },
  });
}

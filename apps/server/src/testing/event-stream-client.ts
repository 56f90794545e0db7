import { createParser } from "eventsource-parser";
import type { TestClient } from "./test-client.ts";

/** One event as the wire carried it: its SSE id, event name and data text, unparsed. */
export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * A raw SSE client for tests of the stream itself (status, headers, heartbeat comments, Last-Event-ID,
 * limits, how it ends): it records what the wire said, parsed by eventsource-parser as a browser's
 * EventSource would, and never reconnects. Tests that follow a conversation use `EventRecorder`.
 */
export class EventStreamClient {
  readonly events: ServerSentEvent[] = [];
  readonly comments: string[] = [];
  /** The `retry:` fields received, in milliseconds. */
  readonly retries: number[] = [];
  /** Whether the server ended the stream cleanly (rather than the connection failing). */
  endedCleanly = false;
  status = 0;
  headers = new Headers();
  #waiters = new Set<() => void>();
  #controller = new AbortController();
  #ended = false;
  #done: Promise<void> = Promise.resolve();

  /** Opens `path` with the client's cookies (and `extraHeaders`); `lastEventId` is sent as Last-Event-ID. */
  static async open(
    client: TestClient,
    path: string,
    lastEventId?: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<EventStreamClient> {
    const stream = new EventStreamClient();
    const headers: Record<string, string> = { Accept: "text/event-stream", ...extraHeaders };
    if (client.cookies.size > 0) {
      headers.Cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    if (lastEventId !== undefined) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch(new URL(path, client.baseUrl), { headers, signal: stream.#controller.signal });
    stream.status = response.status;
    stream.headers = response.headers;
    if (response.body === null || response.status !== 200) {
      stream.#ended = true;
      return stream;
    }
    stream.#done = stream.#read(response.body).catch(() => {});
    return stream;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The id of the last event received, as a browser would send it on reconnecting. */
  get lastEventId(): string | undefined {
    return this.events.findLast((event) => event.id !== undefined)?.id;
  }

  /** Resolves once `predicate` holds for the events received so far. */
  async waitFor(predicate: (events: ServerSentEvent[]) => boolean, timeoutMs = 20_000): Promise<ServerSentEvent[]> {
    await this.#waitUntil(
      () => {
        if (predicate(this.events)) return true;
        if (this.#ended) throw new Error(`stream ended before the condition held: ${JSON.stringify(this.events)}`);
        return false;
      },
      timeoutMs,
      () => `timed out waiting on the stream: ${JSON.stringify(this.events.slice(-5))}`,
    );
    return this.events;
  }

  /** Resolves once the server has ended the stream; fails after `timeoutMs`. */
  async waitForEnd(timeoutMs = 20_000): Promise<ServerSentEvent[]> {
    await this.#waitUntil(
      () => this.#ended,
      timeoutMs,
      () => `the stream did not end within ${timeoutMs} ms`,
    );
    return this.events;
  }

  /** Checks `isDone` each time an event arrives or the stream ends, until it holds or time runs out. */
  async #waitUntil(isDone: () => boolean, timeoutMs: number, timeoutMessage: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!isDone()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(timeoutMessage());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  async close(): Promise<void> {
    this.#controller.abort();
    await this.#done;
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const parser = createParser({
      onEvent: ({ id, event, data }) => {
        // A browser's EventSource names an event without an `event:` field "message".
        this.events.push({ id, event: event ?? "message", data });
      },
      onComment: (comment) => {
        this.comments.push(comment.trim());
      },
      onRetry: (ms) => {
        this.retries.push(ms);
      },
    });
    try {
      for await (const text of body.pipeThrough(new TextDecoderStream())) {
        parser.feed(text);
        this.#wake();
      }
      this.endedCleanly = true;
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
  }
}

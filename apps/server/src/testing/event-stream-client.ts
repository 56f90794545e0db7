import type { TestClient } from "./test-client.ts";

export interface ServerSentEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** An SSE client for tests: parses the stream as it arrives, like a browser's EventSource. */
export class EventStreamClient {
  readonly events: ServerSentEvent[] = [];
  readonly comments: string[] = [];
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
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          this.#parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
        this.#wake();
      }
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #parse(block: string): void {
    let id: string | undefined;
    let event = "message";
    const data: string[] = [];
    let isEvent = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        this.comments.push(line.slice(1).trim());
      } else if (line.startsWith("id: ")) {
        id = line.slice(4);
      } else if (line.startsWith("event: ")) {
        event = line.slice(7);
        isEvent = true;
      } else if (line.startsWith("data: ")) {
        data.push(line.slice(6));
        isEvent = true;
      }
    }
    if (isEvent) this.events.push({ id, event, data: data.join("\n") });
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
    this.#waiters.clear();
  }
}

/** The text of a reply as assembled from its `message.delta` events. */
export function assembledText(events: readonly ServerSentEvent[], messageId: string): string {
  return events
    .filter((event) => event.event === "message.delta")
    .map((event) => JSON.parse(event.data) as { messageId: string; delta: string })
    .filter((delta) => delta.messageId === messageId)
    .map((delta) => delta.delta)
    .join("");
}

/** The `message.done` or `message.error` event of a reply, if it has come. */
export function endOf(events: readonly ServerSentEvent[], messageId: string): Record<string, unknown> | undefined {
  for (const event of events) {
    if (event.event !== "message.done" && event.event !== "message.error") continue;
    const data = JSON.parse(event.data) as Record<string, unknown>;
    if (data.messageId === messageId) return data;
  }
  return undefined;
}

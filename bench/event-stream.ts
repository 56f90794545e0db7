/**
 * A conversation's SSE stream as a client sees it, each event stamped with when it arrived. (The
 * server's test client, apps/server/src/testing, signs in by cookie only and records no times.)
 */

export interface ReceivedEvent {
  type: string;
  data: Record<string, unknown>;
  /** performance.now() when the event's last byte was read. */
  receivedAt: number;
}

interface Waiter {
  matches: (event: ReceivedEvent) => boolean;
  resolve: (event: ReceivedEvent) => void;
  reject: (error: Error) => void;
}

export class EventStreamReader {
  readonly #events: ReceivedEvent[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #controller = new AbortController();
  #ended: Error | undefined;

  private constructor() {}

  /**
   * Opens the stream and resolves once its first block (the `retry:` line) has arrived: from then on
   * the server has read where its log ends, so events of a message posted next are not missed.
   */
  static async open(url: string, headers: Record<string, string>): Promise<EventStreamReader> {
    const reader = new EventStreamReader();
    const response = await fetch(url, {
      headers: { ...headers, Accept: "text/event-stream" },
      signal: reader.#controller.signal,
    });
    if (response.status !== 200 || response.body === null) {
      throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
    }
    // Settled by the first block, or by the end of a stream that sent none.
    await new Promise<void>((settle) => void reader.#read(response.body as ReadableStream<Uint8Array>, settle));
    if (reader.#ended !== undefined) throw reader.#ended;
    return reader;
  }

  /** The first event, received so far or later, for which `matches` holds. */
  waitFor(matches: (event: ReceivedEvent) => boolean, timeoutMs: number): Promise<ReceivedEvent> {
    const found = this.#events.find(matches);
    if (found !== undefined) return Promise.resolve(found);
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`No matching event within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      const waiter: Waiter = {
        matches,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  close(): void {
    this.#controller.abort();
  }

  async #read(body: ReadableStream<Uint8Array>, onFirstBlock: () => void): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        const receivedAt = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          this.#parse(buffer.slice(0, end), receivedAt);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          onFirstBlock();
        }
      }
      this.#end(new Error("The event stream ended."));
    } catch (error) {
      this.#end(this.#controller.signal.aborted ? new Error("The event stream was closed.") : (error as Error));
    } finally {
      // Lets the opener go when no block came; after the first block this does nothing.
      onFirstBlock();
    }
  }

  #parse(block: string, receivedAt: number): void {
    let type: string | undefined;
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) type = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    if (type === undefined) return;
    const event = { type, data: JSON.parse(data) as Record<string, unknown>, receivedAt };
    this.#events.push(event);
    for (const waiter of this.#waiters) {
      if (!waiter.matches(event)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(event);
    }
  }

  #end(error: Error): void {
    this.#ended = error;
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
  }
}

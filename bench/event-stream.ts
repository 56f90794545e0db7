/**
 * A conversation's events as a client follows them through the SDK (`followConversation`), each
 * stamped with when it arrived, for the benchmarks' timings.
 */
import { createHearthClient, followConversation, type ReceivedEvent as SdkEvent } from "@hearth/sdk";

export interface ReceivedEvent {
  type: string;
  data: Record<string, unknown>;
  /** performance.now() when the SDK handed the event over, parsed. */
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
  readonly #stop = new AbortController();
  #ended: Error | undefined;

  private constructor() {}

  /**
   * Follows the conversation, authenticated by `headers` (an API key's or a session cookie), and
   * resolves once the stream knows where it starts: events of a message posted next are not missed.
   */
  static async open(
    baseUrl: string,
    conversationId: string,
    headers: Record<string, string>,
  ): Promise<EventStreamReader> {
    const reader = new EventStreamReader();
    const client = createHearthClient({ baseUrl, fetch: withHeaders(headers) });
    let connected = () => {};
    const isConnected = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const events = followConversation(client, conversationId, { signal: reader.#stop.signal, onConnect: connected });
    // Settled once connected, or by an end that came first (a problem answered on connecting).
    await Promise.race([isConnected, reader.#read(events)]);
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
    this.#stop.abort();
  }

  async #read(events: AsyncGenerator<SdkEvent, void, undefined>): Promise<void> {
    try {
      for await (const { type, data } of events) {
        this.#received({ type, data: data as Record<string, unknown>, receivedAt: performance.now() });
      }
      this.#end(new Error(this.#stop.signal.aborted ? "The event stream was closed." : "The event stream ended."));
    } catch (error) {
      this.#end(error as Error);
    }
  }

  #received(event: ReceivedEvent): void {
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

/** A fetch that sends `headers` with every request: the bench authenticates by header, either way. */
function withHeaders(headers: Record<string, string>): typeof fetch {
  return ((request: Request) => {
    const authenticated = new Request(request, { headers: { ...Object.fromEntries(request.headers), ...headers } });
    return fetch(authenticated);
  }) as typeof fetch;
}

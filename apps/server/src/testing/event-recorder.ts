import { createHearthClient, followConversation, type HearthClient, type ReceivedEvent } from "@hearth/sdk";
import type { TestClient } from "./test-client.ts";

/**
 * A conversation's events as a client follows them, through the SDK's `followConversation` (typed,
 * resuming by itself with Last-Event-ID, never an event twice), recorded for a test to wait on and
 * inspect. Tests of the stream's wire itself use `EventStreamClient`.
 */
export class EventRecorder {
  readonly events: ReceivedEvent[] = [];
  #waiters = new Set<() => void>();
  #stop = new AbortController();
  #ended = false;
  #failure: unknown;
  #done: Promise<void> = Promise.resolve();

  /**
   * Follows the conversation as `client` (a test client's session, or an SDK client) and resolves once
   * the stream knows where it starts: what happens from then on is recorded. From `lastEventId` when
   * given (`0` replays everything kept). A problem answered on connecting is thrown.
   */
  static async follow(
    client: TestClient | HearthClient,
    conversationId: string,
    options: { lastEventId?: number | undefined } = {},
  ): Promise<EventRecorder> {
    const recorder = new EventRecorder();
    let connected = () => {};
    const isConnected = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const events = followConversation(asSdkClient(client), conversationId, {
      signal: recorder.#stop.signal,
      onConnect: () => connected(),
      lastEventId: options.lastEventId,
    });
    recorder.#done = recorder.#record(events);
    await Promise.race([isConnected, recorder.#done]);
    if (recorder.#failure !== undefined) throw recorder.#failure;
    return recorder;
  }

  /** Whether following has ended by itself (`stream.closed`). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The id of the last event recorded. */
  get lastEventId(): number | undefined {
    return this.events.findLast((event) => event.id !== undefined)?.id;
  }

  /** Resolves once `predicate` holds for the events recorded so far; fails if following ends first. */
  async waitFor(predicate: (events: ReceivedEvent[]) => boolean, timeoutMs = 20_000): Promise<ReceivedEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      if (this.#ended) {
        const why = this.#failure === undefined ? "" : ` (${String(this.#failure)})`;
        throw new Error(`following ended${why} before the condition held: ${JSON.stringify(this.events.slice(-5))}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for events: ${JSON.stringify(this.events.slice(-5))}`);
      await this.#nextChange(left);
    }
    return this.events;
  }

  /** Stops following. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#done;
  }

  async #record(events: AsyncGenerator<ReceivedEvent, void, undefined>): Promise<void> {
    try {
      for await (const event of events) {
        this.events.push(event);
        this.#wake();
      }
    } catch (error) {
      this.#failure = error;
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  /** Waits until an event is recorded or following ends, at most `timeoutMs`. */
  #nextChange(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#waiters.add(done);
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** An SDK client holding the test client's session (its cookies and CSRF token). */
function asSdkClient(client: TestClient | HearthClient): HearthClient {
  if ("api" in client) return client;
  const sdk = createHearthClient({ baseUrl: client.baseUrl });
  for (const [name, value] of client.cookies) sdk.session.cookies.set(name, value);
  sdk.session.csrfToken = client.csrfToken;
  return sdk;
}

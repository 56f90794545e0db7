/**
 * @module
 * The SDK follows a conversation's events and reconnects by itself, forever. A terminal user needs
 * two more things: to be told when the connection drops and comes back, and a clear failure when the
 * server stays unreachable (it died), instead of a command that waits without end. This watches the
 * event stream's connections through the fetch the client sends with.
 */

export interface ConnectionWatchOptions {
  /** Connection attempts to the event stream that may fail in a row before giving up. */
  maxFailedConnects: number;
  /** The event stream's connection was lost (or could not be made): reconnecting. */
  onDrop?: (() => void) | undefined;
  /** The event stream connected again after a drop. */
  onReconnect?: (() => void) | undefined;
}

/** A fetch that reports the event stream's drops and reconnects, and aborts `signal` once the server stays unreachable. */
export class ConnectionWatch {
  readonly fetch: typeof fetch;
  readonly #options: ConnectionWatchOptions;
  #gaveUp = new AbortController();
  #failedConnects = 0;
  /** The last connection ended by itself (the server closed it, or the network dropped it). */
  #hasEnded = false;
  /** Connecting again after a drop, which has been reported. */
  #isReconnecting = false;
  #lastFailure: unknown;

  constructor(options: ConnectionWatchOptions) {
    this.#options = options;
    this.fetch = (input, init) => this.#send(new Request(input, init));
  }

  /** Starts counting afresh (a new reply in an interactive chat): a server that came back is tried again. */
  reset(): void {
    if (this.#gaveUp.signal.aborted) this.#gaveUp = new AbortController();
    this.#failedConnects = 0;
  }

  /** Aborted once the event stream could not be reached `maxFailedConnects` times in a row. */
  get signal(): AbortSignal {
    return this.#gaveUp.signal;
  }

  /** Why the watch gave up: the last connection's error (a fetch TypeError), or undefined while it has not. */
  get failure(): unknown {
    return this.#gaveUp.signal.aborted ? this.#lastFailure : undefined;
  }

  async #send(request: Request): Promise<Response> {
    if (!isEventStream(request)) return fetch(request);
    // Told when the SDK connects again, not when the body ends: a stream that ends because the
    // server closed it for good (stream.closed) is not followed by a reconnect, nor a note.
    if (this.#hasEnded) {
      this.#hasEnded = false;
      this.#dropped();
    }
    let response: Response;
    try {
      response = await fetch(request);
    } catch (error) {
      if (!request.signal.aborted) this.#failedToConnect(error);
      throw error;
    }
    if (!response.ok || response.body === null) return response;
    this.#failedConnects = 0;
    if (this.#isReconnecting) {
      this.#isReconnecting = false;
      this.#options.onReconnect?.();
    }
    const body = watchBody(response.body, () => {
      if (!request.signal.aborted) this.#hasEnded = true;
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  #dropped(): void {
    if (this.#isReconnecting) return;
    this.#isReconnecting = true;
    this.#options.onDrop?.();
  }

  #failedToConnect(error: unknown): void {
    this.#lastFailure = error;
    this.#failedConnects++;
    this.#dropped();
    if (this.#failedConnects >= this.#options.maxFailedConnects) this.#gaveUp.abort(error);
  }
}

function isEventStream(request: Request): boolean {
  return request.method === "GET" && /\/api\/conversations\/[^/]+\/events$/.test(new URL(request.url).pathname);
}

/** The body as it is read, calling `onEnd` when it ends or fails (a stream ends only when its connection does). */
function watchBody(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        onEnd();
        controller.error(error);
        return;
      }
      if (chunk.done) {
        onEnd();
        controller.close();
      } else {
        controller.enqueue(chunk.value);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

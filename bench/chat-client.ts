/** The conversation API as the benchmark uses it, authenticated by API key, with timings of replies. */
import { EventStreamReader, type ReceivedEvent } from "./event-stream.ts";

/** The longest a reply may take before the run is called broken. */
const REPLY_TIMEOUT_MS = 300_000;

export interface ExchangeTiming {
  promptTokens: number;
  completionTokens: number;
  /** From sending the POST to the first `message.delta` of the reply. */
  toFirstDeltaMs: number;
  /** From the first `message.delta` to `message.done`. */
  streamingMs: number;
}

export class ChatClient {
  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string>,
  ) {}

  /** A conversation with a title: an untitled one gets a title from the model after its first reply, which would compete with the next. */
  async createConversation(title: string): Promise<string> {
    const body = await this.#post("/api/conversations", { title }, 201);
    return (body as { id: string }).id;
  }

  openEvents(conversationId: string): Promise<EventStreamReader> {
    return EventStreamReader.open(this.baseUrl, conversationId, this.headers);
  }

  /**
   * Sends `content` and waits for its reply to finish, on `stream` (opened on the conversation before).
   * Throws if the reply ends in anything but `done`.
   */
  async exchange(stream: EventStreamReader, conversationId: string, content: string): Promise<ExchangeTiming> {
    const postedAt = performance.now();
    const replyId = await this.send(conversationId, content);
    const isReply = (event: ReceivedEvent) => event.data.messageId === replyId;
    const end = await this.waitForEnd(stream, replyId);
    const usage = end.data.usage as { promptTokens: number; completionTokens: number } | null;
    if (end.data.status !== "done" || usage === null) {
      throw new Error(`The reply ended ${String(end.data.status)}: ${JSON.stringify(end.data)}`);
    }
    const firstDelta = await stream.waitFor((event) => isReply(event) && event.type === "message.delta", 0);
    return {
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      toFirstDeltaMs: firstDelta.receivedAt - postedAt,
      streamingMs: end.receivedAt - firstDelta.receivedAt,
    };
  }

  /** Posts `content` to the conversation; returns the id of the reply it started. */
  async send(conversationId: string, content: string): Promise<string> {
    const body = await this.#post(`/api/conversations/${conversationId}/messages`, { content }, 202);
    return (body as { assistantMessage: { id: string } }).assistantMessage.id;
  }

  /**
   * Sends a message that may be refused at once: the reply's id when accepted (202), or the
   * problem's code when a message too long for the model is answered 413 before it is stored.
   */
  async sendOrRefused(conversationId: string, content: string): Promise<{ replyId: string } | { refused: string }> {
    const response = await fetch(`${this.baseUrl}/api/conversations/${conversationId}/messages`, {
      method: "POST",
      headers: { ...this.headers, "Content-Type": "application/json" },
      body: JSON.stringify({ content }),
    });
    const body = (await response.json()) as { code?: string; assistantMessage?: { id: string } };
    if (response.status === 202 && body.assistantMessage) return { replyId: body.assistantMessage.id };
    if (response.status === 413 && body.code === "message-too-long") return { refused: body.code };
    throw new Error(`sending answered ${response.status}: ${JSON.stringify(body)}`);
  }

  /** The reply's `message.done` or `message.error` event, on `stream` (opened before the send). */
  waitForEnd(stream: EventStreamReader, replyId: string): Promise<ReceivedEvent> {
    return stream.waitFor(
      (event) => event.data.messageId === replyId && (event.type === "message.done" || event.type === "message.error"),
      REPLY_TIMEOUT_MS,
    );
  }

  /** GET `path`, read to the end; returns the parsed body and the milliseconds it took. */
  async timedGet(path: string): Promise<{ body: unknown; ms: number }> {
    const started = performance.now();
    const response = await fetch(`${this.baseUrl}${path}`, { headers: this.headers });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${text}`);
    return { body: JSON.parse(text) as unknown, ms };
  }

  async #post(path: string, body: unknown, expectedStatus: number): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method: "POST",
      headers: { ...this.headers, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== expectedStatus) {
      throw new Error(`POST ${path} answered ${response.status} (expected ${expectedStatus}): ${text}`);
    }
    return JSON.parse(text) as unknown;
  }
}

import type { Database } from "@hearth/db";
import type { Clock } from "../clock.ts";
import { type EventBus, newEvent } from "./events.ts";
import { recordEvents } from "./record-events.ts";
import type { MessageStatus } from "./schema.ts";

/** The reply a writer stores text into. */
export interface ReplyTarget {
  conversationId: string;
  messageId: string;
}

/** Tokens a reply read and wrote, as stored with it and sent in its last event. */
export interface ReplyUsage {
  promptTokens: number;
  completionTokens: number;
}

/** How a reply ended, as its writer settles it. */
export interface ReplyOutcome {
  status: Exclude<MessageStatus, "pending" | "streaming">;
  error?: string;
  usage?: ReplyUsage | undefined;
  contextMessages?: number | undefined;
}

/**
 * Stores a reply's text as it grows. Deltas are gathered for up to `coalesceMs` and then written in
 * one statement that appends them to the message and logs one `message.delta` event, so the message
 * and the event log never disagree, even after a crash. A slow database makes batches larger, never
 * generation slower.
 *
 * Every write names the statuses it may change: text is added and the final status set only while
 * the reply is `pending` or `streaming`, and the event is logged only when the message changed, so a
 * reply already cancelled or interrupted is never written back to `streaming`.
 */
export class ReplyWriter {
  #pending = "";
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(
    private readonly db: Database,
    private readonly reply: ReplyTarget,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly coalesceMs: number,
  ) {}

  write(text: string): void {
    // Model output is untrusted: PostgreSQL text cannot hold NUL, and nothing else is altered.
    this.#pending += text.replaceAll("\u0000", "");
    this.#timer ??= setTimeout(() => this.#flush(), this.coalesceMs);
  }

  /** Stores what is left and the final status; returns the status written (a storage failure makes it `error`). */
  async finish(outcome: ReplyOutcome): Promise<ReplyOutcome["status"]> {
    this.#flush();
    await this.#chain;
    if (this.#failure !== undefined) {
      const reason = this.#failure instanceof Error ? this.#failure.message : String(this.#failure);
      outcome = { ...outcome, status: "error", error: `The reply could not be stored: ${reason}` };
    }
    const { reply } = this;
    const params = [
      reply.messageId,
      outcome.status,
      outcome.error ?? null,
      outcome.usage?.promptTokens ?? null,
      outcome.usage?.completionTokens ?? null,
      outcome.contextMessages ?? null,
    ];
    const usage = outcome.usage ?? null;
    const event =
      outcome.status === "error"
        ? newEvent("message.error", { messageId: reply.messageId, status: "error", error: outcome.error, usage })
        : newEvent("message.done", { messageId: reply.messageId, status: outcome.status, usage });
    await recordEvents(this.db, this.bus, this.clock.now(), reply.conversationId, [event], {
      sql: `settle AS (
        UPDATE messages SET status = $6, error = $7, prompt_tokens = $8, completion_tokens = $9,
          context_messages = $10, updated_at = $4
        WHERE id = $5 AND status IN ('pending', 'streaming') RETURNING id
      )`,
      params,
      requires: "settle",
    });
    return outcome.status;
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const delta = this.#pending;
    if (delta.length === 0 || this.#failure !== undefined) return;
    this.#pending = "";
    // After a storage failure nothing more is written: the reply ends in error rather than claiming text it lost.
    this.#chain = this.#chain.then(async () => {
      try {
        await recordEvents(
          this.db,
          this.bus,
          this.clock.now(),
          this.reply.conversationId,
          [newEvent("message.delta", { messageId: this.reply.messageId, delta })],
          {
            sql: `grow AS (
              UPDATE messages SET content = content || $6, status = 'streaming', updated_at = $4
              WHERE id = $5 AND status IN ('pending', 'streaming') RETURNING id
            )`,
            params: [this.reply.messageId, delta],
            requires: "grow",
          },
        );
      } catch (error) {
        this.#failure = error;
      }
    });
  }
}

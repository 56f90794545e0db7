import type { Database } from "@hearth/db";
import type { Clock } from "../clock.ts";
import type { MemoryUse } from "../memory/schema.ts";
import { type EventBus, type NewEvent, newEvent } from "./events.ts";
import { type EventCondition, recordEvents } from "./record-events.ts";
import type { MessagePart, MessageStatus } from "./schema.ts";

/** A tool call or result as the reply's loop hands it over; the writer places it in the text. */
type WithoutOffset<Part> = Part extends unknown ? Omit<Part, "offset"> : never;
export type NewReplyPart = WithoutOffset<MessagePart>;

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
  /** The summary the prompt held in place of older messages. */
  contextSummaryId?: string | undefined;
  /** What the prompt held from the user's memory. */
  memoryUsed?: MemoryUse[] | undefined;
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
 *
 * It also times the reply: `first_token_at` is when the model's first output (text or a tool call)
 * reached the writer, not when its batch was stored, and `finished_at` when the end was stored.
 */
export class ReplyWriter {
  #pending = "";
  /** Length of the text accepted so far: where a part written now sits in `content`. */
  #length = 0;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  /** When the model's first output arrived; stored with the first write (and kept by later ones). */
  #firstTokenAt: Date | undefined;
  #hasParts = false;

  constructor(
    private readonly db: Database,
    private readonly reply: ReplyTarget,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly coalesceMs: number,
  ) {}

  /** Whether the reply holds tool calls or results. */
  get hasParts(): boolean {
    return this.#hasParts;
  }

  /** When the model's first output arrived, once it has. */
  get firstTokenAt(): Date | undefined {
    return this.#firstTokenAt;
  }

  write(text: string): void {
    // Model output is untrusted: PostgreSQL text cannot hold NUL, and nothing else is altered.
    const cleaned = withoutNul(text);
    if (cleaned.length > 0) this.#firstTokenAt ??= this.clock.now();
    this.#pending += cleaned;
    this.#length += cleaned.length;
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
      outcome.contextSummaryId ?? null,
      outcome.memoryUsed === undefined ? null : JSON.stringify(outcome.memoryUsed),
    ];
    const usage = outcome.usage ?? null;
    const event =
      outcome.status === "error"
        ? newEvent("message.error", {
            messageId: reply.messageId,
            status: "error",
            error: outcome.error ?? "The reply failed.",
            usage,
          })
        : newEvent("message.done", {
            messageId: reply.messageId,
            status: outcome.status,
            usage,
            contextMessages: outcome.contextMessages ?? null,
            contextSummaryId: outcome.contextSummaryId ?? null,
            memoryUsed: outcome.memoryUsed ?? null,
          });
    await recordEvents(this.db, this.bus, this.clock.now(), reply.conversationId, [event], {
      // What the reply used goes to the usage ledger with it, once (see usage/record-usage.ts).
      sql: `settle AS (
        UPDATE messages SET status = $6, error = $7, prompt_tokens = $8, completion_tokens = $9,
          context_messages = $10, context_summary_id = $11, memory_used = $12::jsonb, updated_at = $4, finished_at = $4
        WHERE id = $5 AND status IN ('pending', 'streaming')
        RETURNING id, conversation_id, model, status, prompt_tokens, completion_tokens, created_at, first_token_at, finished_at
      ),
      ledger AS (
        INSERT INTO model_usage (user_id, source, provider, model, status, prompt_tokens, completion_tokens,
          first_token_ms, generation_ms, message_id, created_at)
        SELECT c.owner_id, 'chat', split_part(s.model, '/', 1), s.model, s.status, COALESCE(s.prompt_tokens, 0),
          COALESCE(s.completion_tokens, 0), (extract(epoch FROM s.first_token_at - s.created_at) * 1000)::integer,
          (extract(epoch FROM s.finished_at - s.first_token_at) * 1000)::integer, s.id, s.finished_at
        FROM settle s JOIN conversations c ON c.id = s.conversation_id
        WHERE s.model IS NOT NULL
      )`,
      params,
      requires: "settle",
    });
    return outcome.status;
  }

  /**
   * Stores a tool call or result after the text written so far, with its `message.tool-call` or
   * `message.tool-result` event, in one statement and in order with the text.
   */
  addPart(part: NewReplyPart): void {
    this.#hasParts = true;
    // The text before the part is stored first, so the part's offset and the stored content agree.
    this.#flush();
    if (part.type === "tool-call") this.#firstTokenAt ??= this.clock.now();
    const stored = cleanPart({ ...part, offset: this.#length } as MessagePart);
    const { type, ...facts } = stored;
    const event = newEvent(type === "tool-call" ? "message.tool-call" : "message.tool-result", {
      messageId: this.reply.messageId,
      ...facts,
    });
    this.#enqueue(event, {
      sql: `part AS (
        UPDATE messages SET parts = COALESCE(parts, '[]'::jsonb) || $6::jsonb, status = 'streaming', updated_at = $4,
          first_token_at = COALESCE(first_token_at, $7)
        WHERE id = $5 AND status IN ('pending', 'streaming') RETURNING id
      )`,
      params: [this.reply.messageId, JSON.stringify([stored]), this.#firstTokenAt ?? null],
      requires: "part",
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const delta = this.#pending;
    if (delta.length === 0 || this.#failure !== undefined) return;
    this.#pending = "";
    this.#enqueue(newEvent("message.delta", { messageId: this.reply.messageId, delta }), {
      sql: `grow AS (
        UPDATE messages SET content = content || $6, status = 'streaming', updated_at = $4,
          first_token_at = COALESCE(first_token_at, $7)
        WHERE id = $5 AND status IN ('pending', 'streaming') RETURNING id
      )`,
      params: [this.reply.messageId, delta, this.#firstTokenAt ?? null],
      requires: "grow",
    });
  }

  /** Writes a change and its event after every earlier one. */
  #enqueue(event: NewEvent, change: EventCondition): void {
    // After a storage failure nothing more is written: the reply ends in error rather than claiming what it lost.
    this.#chain = this.#chain.then(async () => {
      if (this.#failure !== undefined) return;
      try {
        await recordEvents(this.db, this.bus, this.clock.now(), this.reply.conversationId, [event], change);
      } catch (error) {
        this.#failure = error;
      }
    });
  }
}

function withoutNul(text: string): string {
  return text.replaceAll("\u0000", "");
}

/** A part's text fields without NUL, which jsonb cannot hold (tool names, ids and inputs come from the model). */
function cleanPart(part: MessagePart): MessagePart {
  const base = { ...part, toolCallId: withoutNul(part.toolCallId), toolName: withoutNul(part.toolName) };
  return base.type === "tool-call"
    ? { ...base, input: withoutNul(base.input) }
    : { ...base, output: withoutNul(base.output) };
}

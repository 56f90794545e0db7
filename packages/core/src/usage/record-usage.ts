/** @module Writes what each model call used to the ledger (`model_usage`) that /api/usage sums. */
import type { Queryable } from "@hearth/db";

export interface UsageRecord {
  userId: string;
  apiKeyId?: string | undefined;
  /** A conversation's reply, or a /v1 call. */
  source: "chat" | "api";
  /** The qualified model id (`local/tiny`): its provider is the part before the first `/`. */
  model: string;
  status: string;
  promptTokens: number;
  completionTokens: number;
  startedAt: Date;
  firstTokenAt: Date | undefined;
  endedAt: Date;
  messageId?: string | undefined;
}

export async function recordUsage(db: Queryable, record: UsageRecord): Promise<void> {
  const slash = record.model.indexOf("/");
  const provider = slash > 0 ? record.model.slice(0, slash) : "local";
  const first = record.firstTokenAt;
  await db.query(
    `INSERT INTO model_usage (user_id, api_key_id, source, provider, model, status, prompt_tokens, completion_tokens,
       first_token_ms, generation_ms, message_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      record.userId,
      record.apiKeyId ?? null,
      record.source,
      provider,
      record.model,
      record.status,
      record.promptTokens,
      record.completionTokens,
      first === undefined ? null : Math.max(0, first.getTime() - record.startedAt.getTime()),
      first === undefined ? null : Math.max(0, record.endedAt.getTime() - first.getTime()),
      record.messageId ?? null,
      record.endedAt,
    ],
  );
}

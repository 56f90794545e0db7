import type { Database } from "@hearth/db";
import type { PromptMessage } from "@hearth/engine/spec";
import type { Clock } from "../clock.ts";
import type { EventBus } from "./events.ts";
import type { GenerationJob, GenerationMetrics, ModelSource } from "./generations.ts";
import { findMessage } from "./messages.ts";
import { recordInTransaction } from "./record-events.ts";
import { DEFAULT_TITLE } from "./schema.ts";
import { COLUMNS as CONVERSATION_COLUMNS, type ConversationRow, conversationUpdatedEvent } from "./service.ts";

const TITLE_MAX_TOKENS = 16;
const TITLE_MAX_LENGTH = 80;

/** After the first reply, the model names a conversation nobody has named. */
export async function titleIfFirstExchange(
  db: Database,
  job: GenerationJob,
  deps: { models: ModelSource; bus: EventBus; clock: Clock; metrics?: GenerationMetrics | undefined },
  signal: AbortSignal,
  /**
   * The reply's prompt, where the title may go on from it: the conversation so far, then a request for
   * a title. The engine holds that start from the reply, and keeps it for the next turn.
   */
  replyPrompt?: PromptMessage[],
): Promise<void> {
  const { rows } = await db.query<{ content: string; parent_id: string | null; title_source: string }>(
    `SELECT u.content, u.parent_id, c.title_source FROM messages u JOIN conversations c ON c.id = u.conversation_id
     WHERE u.id = $1`,
    [job.userMessageId],
  );
  const question = rows[0];
  if (question === undefined || question.parent_id !== null || question.title_source !== "default") return;
  const answer = await findMessage(db, job.messageId);
  if (answer?.status !== "done") return;
  const model = await deps.models.languageModel(job.model);
  const prompt: PromptMessage[] =
    replyPrompt === undefined
      ? [{ role: "user", content: [{ type: "text", text: standaloneInstruction(question.content, answer.content) }] }]
      : [
          ...replyPrompt,
          { role: "assistant", content: [{ type: "text", text: answer.content }] },
          { role: "user", content: [{ type: "text", text: FOLLOW_ON_INSTRUCTION }] },
        ];
  let text = "";
  for await (const part of model.doStream({
    prompt,
    maxOutputTokens: TITLE_MAX_TOKENS,
    temperature: 0.2,
    abortSignal: signal,
  })) {
    if (part.type === "text-delta") text += part.text;
    else if (part.type === "finish") deps.metrics?.tokensGenerated(job.model, part.usage.outputTokens);
  }
  const title = cleanTitle(text);
  if (title === undefined || signal.aborted) return;
  await recordInTransaction(db, deps.bus, deps.clock.now(), async (tx, log) => {
    const { rows: updated } = await tx.query<ConversationRow>(
      `UPDATE conversations SET title = $2, title_source = 'model'
       WHERE id = $1 AND title_source = 'default' AND deleted_at IS NULL RETURNING ${CONVERSATION_COLUMNS}`,
      [job.conversationId, title],
    );
    const row = updated[0];
    if (row === undefined) return;
    await log.append(job.conversationId, [conversationUpdatedEvent(row)]);
  });
}

const FOLLOW_ON_INSTRUCTION =
  "Write a title of at most six words for our conversation so far. Reply with the title only, in its language.";

const standaloneInstruction = (question: string, answer: string) =>
  "Write a title of at most six words for the conversation below. Reply with the title only.\n\n" +
  `User: ${question.slice(0, 2000)}\nAssistant: ${answer.slice(0, 2000)}`;

/** A model's title is untrusted text: one line, no control characters or wrapping quotes, short. */
export function cleanTitle(text: string): string | undefined {
  const line = text
    .replace(/[\p{Cc}\p{Cf}\uFFFD]+/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^["'“”‘’`*#\s]+|["'“”‘’`*\s]+$/gu, "")
    .trim();
  if (line.length === 0 || line === DEFAULT_TITLE) return undefined;
  return [...line].slice(0, TITLE_MAX_LENGTH).join("").trim();
}

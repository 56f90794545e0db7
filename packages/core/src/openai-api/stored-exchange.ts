/**
 * @module `metadata: {"hearth_conversation_id": …}` on a chat completion or a response: the request's
 * last user message and the reply are stored in that conversation (its owner's only), as a question
 * and a finished answer under the active leaf. The rest of /v1 stores nothing.
 */
import type { FinishReason, Prompt, PromptMessage, Usage } from "@hearth/engine/spec";
import type { Context } from "hono";
import type { ChatResult } from "../conversations/chat.ts";
import { checkExchangeTarget, type ExchangeRecord, recordExchange } from "../conversations/record-exchange.ts";
import { Content } from "../conversations/schema.ts";
import type { AppEnv } from "../http/app-env.ts";
import type { UserLimits } from "../limits/user-limits.ts";
import { ok, raise, unwrap, validationFailed } from "../problems.ts";
import type { OpenAiToolCall } from "./present-completion.ts";

export const CONVERSATION_KEY = "hearth_conversation_id";
const FIELD = `metadata.${CONVERSATION_KEY}`;

type UserMessage = Extract<PromptMessage, { role: "user" }>;

export interface ExchangeTarget {
  conversationId: string;
  question: string;
  userId: string;
  limits: UserLimits;
}

/** A reply as stored: its text, the tool calls it made, and how it ended. */
export interface StoredReply {
  text: string;
  toolCalls: readonly OpenAiToolCall[];
  finishReason: FinishReason;
  usage: Usage | undefined;
}

/**
 * The conversation the request's metadata names, once it is known the exchange can be stored there
 * (raising a 404 for one that is not the caller's, a 400 for a request with no question to store, a
 * 413 past the storage quota); undefined when the metadata names none.
 */
export async function findExchangeTarget(
  c: Context<AppEnv>,
  caller: { userId: string; limits: UserLimits },
  metadata: Record<string, string> | null | undefined,
  prompt: Prompt,
): Promise<ExchangeTarget | undefined> {
  const conversationId = metadata?.[CONVERSATION_KEY];
  if (conversationId === undefined) return undefined;
  const asked = prompt.findLast((message): message is UserMessage => message.role === "user");
  const question = asked?.content.map((part) => part.text).join("") ?? "";
  const checked = Content.safeParse(question);
  if (!checked.success) {
    const reason = checked.error.issues.map((issue) => issue.message).join("; ");
    const what = asked === undefined ? "there is none" : `that message's text ${reason}`;
    raise(
      validationFailed("body", [{ field: FIELD, message: `stores the last user message with the reply, but ${what}` }]),
    );
  }
  const bytes = Buffer.byteLength(question);
  unwrap(await checkExchangeTarget({ db: c.var.db, limits: caller.limits }, caller.userId, conversationId, bytes));
  return { conversationId, question, ...caller };
}

/**
 * Stores the exchange of a reply that ended well (stopped, or at its length). A reply that only called
 * tools is not stored: its question is stored once the model answers it, with the calls and results
 * the request carried since the question (a client sends them back with the tool outputs).
 */
export async function storeExchange(
  c: Context<AppEnv>,
  target: ExchangeTarget,
  prompt: Prompt,
  reply: StoredReply,
  modelId: string,
): Promise<ChatResult<void>> {
  if (reply.text === "" || reply.finishReason === "abort" || reply.finishReason === "error") return ok(undefined);
  const { db, clock, chat } = c.var;
  const record: ExchangeRecord = {
    question: target.question,
    answer: { ...toAnswer(prompt, reply), model: modelId, usage: toReplyUsage(reply.usage) },
  };
  const ctx = { db, clock, chat, limits: target.limits };
  const recorded = await recordExchange(ctx, target.userId, target.conversationId, record);
  return recorded.ok ? ok(undefined) : recorded;
}

/**
 * The answer's text and tool parts: the steps the request carried after its question, then the reply.
 * Without NUL, which PostgreSQL's text and jsonb cannot hold (the reply and the tool outputs are not
 * the caller's to vouch for), taken out before the parts' offsets are counted.
 */
function toAnswer(prompt: Prompt, reply: StoredReply): Pick<ExchangeRecord["answer"], "content" | "parts"> {
  let content = "";
  const parts: ExchangeRecord["answer"]["parts"] = [];
  const at = () => content.length;
  const asked = prompt.findLastIndex((message) => message.role === "user");
  for (const message of prompt.slice(asked + 1)) {
    if (message.role !== "assistant" && message.role !== "tool") continue;
    for (const part of message.content) {
      if (part.type === "text") content += clean(part.text);
      else if (part.type === "tool-call") parts.push(toolCall(part.toolCallId, part.toolName, part.input, at()));
      else {
        const { toolCallId, toolName, output } = part;
        parts.push({
          type: "tool-result",
          toolCallId: clean(toolCallId),
          toolName: clean(toolName),
          output: clean(output),
          isError: part.isError === true,
          offset: at(),
        });
      }
    }
  }
  content += clean(reply.text);
  for (const { id, function: called } of reply.toolCalls) parts.push(toolCall(id, called.name, called.arguments, at()));
  return { content, parts };
}

function toolCall(id: string, name: string, input: string, offset: number): ExchangeRecord["answer"]["parts"][number] {
  return { type: "tool-call", toolCallId: clean(id), toolName: clean(name), input: clean(input), offset };
}

function clean(text: string): string {
  return text.replaceAll("\u0000", "");
}

function toReplyUsage(usage: Usage | undefined) {
  return usage === undefined ? undefined : { promptTokens: usage.inputTokens, completionTokens: usage.outputTokens };
}

/**
 * Stores the exchange of a streamed reply, whose status is long sent: why it could not be stored, as
 * a message for the stream's last event; undefined once stored (or when there was nothing to store).
 */
export async function storeStreamedExchange(
  c: Context<AppEnv>,
  target: ExchangeTarget | undefined,
  prompt: Prompt,
  reply: StoredReply,
  modelId: string,
): Promise<string | undefined> {
  if (target === undefined) return undefined;
  const failure = `The reply was not stored in conversation ${target.conversationId}`;
  try {
    const stored = await storeExchange(c, target, prompt, reply, modelId);
    return stored.ok ? undefined : `${failure}: ${stored.problem.detail}`;
  } catch (error) {
    c.var.logger.warn({ err: error, conversationId: target.conversationId }, "storing a /v1 exchange failed");
    return `${failure}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

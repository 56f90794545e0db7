import type { Database, Queryable } from "@hearth/db";
import type { Clock } from "../clock.ts";
import type { LimitProblem } from "../limits/problems.ts";
import { checkStorageQuota } from "../limits/storage.ts";
import type { UserLimits } from "../limits/user-limits.ts";
import { LOCAL_PROVIDER, type ModelRegistry } from "../models/model-registry.ts";
import { fail, ok, type Result } from "../problems.ts";
import type { EventStreamCloseReason } from "./event-stream.ts";
import { appendEvents, type ConversationEvent, type EventBus, newEvent } from "./events.ts";
import type { Generations } from "./generations.ts";
import { checkMessageFits } from "./message-fits.ts";
import {
  activePath,
  findOwnedMessage,
  insertMessage,
  type MessageRow,
  newestLeafUnder,
  presentNode,
  UNFINISHED,
  withSiblings,
  withSiblingsOne,
} from "./messages.ts";
import { type ConversationsProblem, conversationsProblems as problems } from "./problems.ts";
import type { Exchange, Message, MessagePath, SendMessageInput } from "./schema.ts";
import { COLUMNS as CONVERSATION_COLUMNS, type ConversationRow, conversationUpdatedEvent } from "./service.ts";
import type { StreamRegistry } from "./stream-registry.ts";

/** What the conversation routes need besides the request. */
export interface ChatRuntime {
  bus: EventBus;
  generations: Generations;
  /** Every provider's models; replies resolve their model through it. */
  models: ModelRegistry;
  /** The model a conversation uses when it names none; by default the first installed one. */
  defaultModel?: string | undefined;
  /** Replies one user may have pending or streaming at once, so nobody can fill the model's queue. */
  maxRepliesInProgress: number;
  stream: EventStreamSettings;
  /** This node's open event streams: their credentials are re-checked, and each user's are counted. */
  streams: StreamRegistry;
  streamMetrics?: {
    opened: () => void;
    closed: (reason: EventStreamCloseReason) => void;
  };
}

export interface EventStreamSettings {
  /** A comment line is sent this often, so proxies keep an idle stream open. */
  heartbeatMs: number;
  /** Bytes a client may leave unread before the stream stops queueing for it. */
  maxBufferedBytes: number;
  /** A client that takes nothing for this long while events wait is disconnected. */
  stallTimeoutMs: number;
}

interface Ctx {
  db: Database;
  clock: Clock;
  chat: ChatRuntime;
  /** The user's limits, overrides applied (the storage quota is checked under the send's lock). */
  limits: UserLimits;
}

interface ConversationHead {
  id: string;
  model: string | null;
  active_message_id: string | null;
}

type ChatResult<T> = Result<T, ConversationsProblem | LimitProblem>;

/** Appends a question and starts its reply: `parentId` defaults to the active branch's last reply. */
export async function sendMessage(
  ctx: Ctx,
  ownerId: string,
  conversationId: string,
  input: SendMessageInput,
): Promise<ChatResult<Exchange>> {
  const conversation = await ownedConversation(ctx.db, ownerId, conversationId);
  if (conversation === undefined) return fail(problems.conversationNotFound(conversationId));
  const model = await resolveModel(ctx.chat, input.model ?? conversation.model);
  if (!model.ok) return model;
  const fits = await checkMessageFits(ctx.chat, model.value, input.content);
  if (!fits.ok) return fits;
  const turn = await ctx.db.transaction(async (tx): Promise<ChatResult<Turn>> => {
    const locked = await lockForReply(tx, ctx, ownerId, conversationId, Buffer.byteLength(input.content));
    if (!locked.ok) return locked;
    const parentId = input.parentId === undefined ? locked.value.active_message_id : input.parentId;
    if (parentId !== null) {
      const parent = await findOwnedMessage(tx, ownerId, parentId);
      if (parent === undefined || parent.conversation_id !== conversationId) {
        return fail(problems.messageNotFound(parentId));
      }
      if (parent.role !== "assistant") {
        return fail(problems.wrongRole(parentId, parent.role, "a message answers a reply, not another message"));
      }
      if (UNFINISHED.includes(parent.status)) return fail(problems.replyInProgress(parentId));
    }
    return ok(await writeTurn(tx, ctx, conversationId, model.value, { parentId, content: input.content }));
  });
  if (!turn.ok) return turn;
  return ok(await startExchange(ctx, turn.value, model.value));
}

/** Edits a message by adding its new version as a sibling, with a fresh reply; the old branch stays. */
export async function editMessage(
  ctx: Ctx,
  ownerId: string,
  messageId: string,
  content: string,
): Promise<ChatResult<Exchange>> {
  const original = await findOwnedMessage(ctx.db, ownerId, messageId);
  if (original === undefined) return fail(problems.messageNotFound(messageId));
  if (original.role !== "user") {
    return fail(
      problems.wrongRole(messageId, original.role, "only your own messages can be edited; regenerate a reply"),
    );
  }
  const conversation = await ownedConversation(ctx.db, ownerId, original.conversation_id);
  const model = await resolveModel(ctx.chat, conversation?.model ?? null);
  if (!model.ok) return model;
  const fits = await checkMessageFits(ctx.chat, model.value, content);
  if (!fits.ok) return fits;
  const turn = await ctx.db.transaction(async (tx): Promise<ChatResult<Turn>> => {
    const locked = await lockForReply(tx, ctx, ownerId, original.conversation_id, Buffer.byteLength(content));
    if (!locked.ok) return locked;
    const question = { parentId: original.parent_id, content };
    return ok(await writeTurn(tx, ctx, original.conversation_id, model.value, question));
  });
  if (!turn.ok) return turn;
  return ok(await startExchange(ctx, turn.value, model.value));
}

/** Writes another reply to the same question, as a sibling of `messageId`. */
export async function regenerateReply(
  ctx: Ctx,
  ownerId: string,
  messageId: string,
  requestedModel: string | undefined,
): Promise<ChatResult<Message>> {
  const original = await findOwnedMessage(ctx.db, ownerId, messageId);
  if (original === undefined) return fail(problems.messageNotFound(messageId));
  const questionId = original.parent_id;
  if (original.role !== "assistant" || questionId === null) {
    return fail(problems.wrongRole(messageId, original.role, "only replies can be regenerated; edit the message"));
  }
  const conversation = await ownedConversation(ctx.db, ownerId, original.conversation_id);
  const model = await resolveModel(ctx.chat, requestedModel ?? original.model ?? conversation?.model ?? null);
  if (!model.ok) return model;
  const turn = await ctx.db.transaction(async (tx): Promise<ChatResult<Turn>> => {
    const locked = await lockForReply(tx, ctx, ownerId, original.conversation_id, 0);
    if (!locked.ok) return locked;
    return ok(await writeTurn(tx, ctx, original.conversation_id, model.value, { id: questionId }));
  });
  if (!turn.ok) return turn;
  startTurn(ctx, turn.value, model.value);
  return ok(await withSiblingsOne(ctx.db, turn.value.reply));
}

/**
 * Stops a reply and keeps what it had written, as `cancelled`. A reply this process is not writing
 * (its writer is gone) is settled directly.
 */
export async function cancelReply(ctx: Ctx, ownerId: string, messageId: string): Promise<ChatResult<Message>> {
  const message = await findOwnedMessage(ctx.db, ownerId, messageId);
  if (message === undefined) return fail(problems.messageNotFound(messageId));
  if (message.role !== "assistant") {
    return fail(problems.wrongRole(messageId, message.role, "only a reply being written can be cancelled"));
  }
  if (UNFINISHED.includes(message.status) && !(await ctx.chat.generations.cancel(messageId))) {
    const events = await appendEvents(
      ctx.db,
      message.conversation_id,
      [newEvent("message.done", { messageId, status: "cancelled", usage: null })],
      ctx.clock.now(),
      {
        sql: `settle AS (UPDATE messages SET status = 'cancelled', updated_at = $4
              WHERE id = $5 AND status IN ('pending', 'streaming') RETURNING id)`,
        params: [messageId],
        // A reply that ended meanwhile keeps its end, and the log claims no cancel.
        requires: "settle",
      },
    );
    ctx.chat.bus.publish(events);
  }
  const settled = (await findOwnedMessage(ctx.db, ownerId, messageId)) as MessageRow;
  if (settled.status !== "cancelled") return fail(problems.replyFinished(messageId, settled.status));
  return ok(await withSiblingsOne(ctx.db, settled));
}

/** Makes the branch through `messageId` the active path (following the newest replies below it). */
export async function activateMessage(
  ctx: Ctx,
  ownerId: string,
  messageId: string,
  page: { limit: number },
): Promise<ChatResult<MessagePath>> {
  const message = await findOwnedMessage(ctx.db, ownerId, messageId);
  if (message === undefined) return fail(problems.messageNotFound(messageId));
  const leaf = await newestLeafUnder(ctx.db, messageId);
  const events = await ctx.db.transaction(async (tx) => {
    const row = await setActive(tx, message.conversation_id, leaf, undefined);
    return appendEvents(tx, message.conversation_id, [conversationUpdatedEvent(row)], ctx.clock.now());
  });
  ctx.chat.bus.publish(events);
  return ok(await activePath(ctx.db, { id: message.conversation_id, activeMessageId: leaf }, page));
}

/** A reply just written `pending`, the question it answers, and the events that announce them. */
interface Turn {
  questionId: string;
  /** Set when the question was written with the reply (a send or an edit), not for a regeneration. */
  question: MessageRow | undefined;
  reply: MessageRow;
  events: ConversationEvent[];
}

/**
 * Locks the conversation (so its branches change one writer at a time) and refuses a reply while
 * the owner has too many in progress, or when `addedBytes` of new text would pass their storage quota.
 */
async function lockForReply(
  tx: Queryable,
  ctx: Ctx,
  ownerId: string,
  conversationId: string,
  addedBytes: number,
): Promise<ChatResult<ConversationHead>> {
  const conversation = await ownedConversation(tx, ownerId, conversationId, { lock: true });
  if (conversation === undefined) return fail(problems.conversationNotFound(conversationId));
  const busy = await checkRepliesInProgress(tx, ctx, ownerId);
  if (!busy.ok) return busy;
  // After checkRepliesInProgress locked the owner's row: one user's sends check the quota in turn.
  const quota = await checkStorageQuota(tx, ownerId, addedBytes, ctx.limits.storageBytes);
  return quota.ok ? ok(conversation) : quota;
}

/**
 * Writes a pending reply to a question, which is either new (`parentId`, `content`) or already
 * stored (`id`), makes the reply the active leaf and logs the messages' creation.
 */
async function writeTurn(
  tx: Queryable,
  ctx: Ctx,
  conversationId: string,
  model: string,
  question: { id: string } | { parentId: string | null; content: string },
): Promise<Turn> {
  const now = ctx.clock.now();
  let asked: MessageRow | undefined;
  if (!("id" in question)) {
    const { parentId, content } = question;
    asked = await insertMessage(
      tx,
      { conversationId, parentId, role: "user", content, status: "done", model: null },
      now,
    );
  }
  const questionId = "id" in question ? question.id : (asked as MessageRow).id;
  const reply = await insertMessage(
    tx,
    { conversationId, parentId: questionId, role: "assistant", content: "", status: "pending", model },
    now,
  );
  await setActive(tx, conversationId, reply.id, now, model);
  const created = [...(asked ? [asked] : []), reply].map((row) => newEvent("message.created", presentNode(row)));
  const events = await appendEvents(tx, conversationId, created, now);
  return { questionId, question: asked, reply, events };
}

/** Announces a committed turn and starts writing its reply. */
function startTurn(ctx: Ctx, turn: Turn, model: string): void {
  ctx.chat.bus.publish(turn.events);
  ctx.chat.generations.start(ctx.db, {
    conversationId: turn.reply.conversation_id,
    messageId: turn.reply.id,
    userMessageId: turn.questionId,
    model,
  });
}

async function startExchange(ctx: Ctx, turn: Turn, model: string): Promise<Exchange> {
  startTurn(ctx, turn, model);
  const rows = [turn.question as MessageRow, turn.reply];
  const [userMessage, assistantMessage] = await withSiblings(ctx.db, turn.reply.conversation_id, rows);
  return { userMessage: userMessage as Message, assistantMessage: assistantMessage as Message };
}

/** Points the conversation at a new leaf; a new message also moves it to the top of the list. */
async function setActive(tx: Queryable, conversationId: string, leafId: string, now: Date | undefined, model?: string) {
  const { rows } = await tx.query<ConversationRow>(
    `UPDATE conversations SET active_message_id = $2, updated_at = COALESCE($3, updated_at),
       model = COALESCE(model, $4)
     WHERE id = $1 RETURNING ${CONVERSATION_COLUMNS}`,
    [conversationId, leafId, now ?? null, model ?? null],
  );
  return rows[0] as ConversationRow;
}

async function ownedConversation(
  db: Queryable,
  ownerId: string,
  conversationId: string,
  options: { lock?: boolean } = {},
): Promise<ConversationHead | undefined> {
  const { rows } = await db.query<ConversationHead>(
    `SELECT id, model, active_message_id FROM conversations
     WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL ${options.lock ? "FOR UPDATE" : ""}`,
    [conversationId, ownerId],
  );
  return rows[0];
}

/**
 * Refuses a new reply while the owner has `maxRepliesInProgress` pending or streaming. The owner's
 * row is locked first, so concurrent sends from one user are counted one after another.
 */
async function checkRepliesInProgress(tx: Queryable, ctx: Ctx, ownerId: string): Promise<ChatResult<void>> {
  await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [ownerId]);
  const { rows } = await tx.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.status IN ('pending', 'streaming') AND c.owner_id = $1`,
    [ownerId],
  );
  const limit = ctx.chat.maxRepliesInProgress;
  return (rows[0]?.count ?? 0) >= limit ? fail(problems.tooManyReplies(limit)) : ok(undefined);
}

/**
 * The model to answer with, as a qualified id: the one asked for (a bare id names a local model), else
 * the configured default, else the first available chat model.
 */
async function resolveModel(chat: ChatRuntime, requested: string | null): Promise<ChatResult<string>> {
  const wanted = requested ?? chat.defaultModel;
  if (wanted !== undefined) {
    const found = await chat.models.find(wanted);
    if (found === undefined) return fail(problems.modelNotFound(wanted, await chat.models.ids()));
    if (!found.isAvailable) return fail(problems.modelUnavailable(found.id, found.unavailableReason ?? "unknown"));
    return ok(found.id);
  }
  const { models, providers } = await chat.models.list();
  const first = models.find((model) => model.isAvailable && model.capabilities.chat);
  if (first !== undefined) return ok(first.id);
  const local = providers.find((provider) => provider.id === LOCAL_PROVIDER);
  if (local !== undefined && !local.isAvailable) return fail(problems.engineUnavailable(local.reason ?? "unknown"));
  return fail(problems.noModel());
}

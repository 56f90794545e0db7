import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { heldCredentialOf } from "../accounts/held-credentials.ts";
import { IdParam } from "../accounts/schema.ts";
import type { AppEnv, AppVariables } from "../http/app-env.ts";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { countPerMinute } from "../limits/count-per-minute.ts";
import { limitsFor } from "../limits/user-limits.ts";
import { raise, unwrap, validationFailed } from "../problems.ts";
import { admitQuotas, callerOf } from "../quotas/admit-quotas.ts";
import { activateMessage } from "./activate-message.ts";
import { cancelReply } from "./cancel-reply.ts";
import { editMessage } from "./edit-message.ts";
import { ConversationEvent } from "./event-schemas.ts";
import { openEventStream } from "./event-stream.ts";
import { activePath, messageTree } from "./messages.ts";
import { regenerateReply } from "./regenerate-reply.ts";
import {
  EditMessageInput,
  Exchange,
  MessagePath,
  MessagePathQuery,
  MessageTree,
  MessageTreeQuery,
  RegenerateInput,
  Reply,
  SendMessageInput,
} from "./schema.ts";
import { sendMessage } from "./send-message.ts";
import { getConversation } from "./service.ts";

const tags = ["messages"];

/** What picking the reply's model can fail with (see resolve-model.ts). */
const MODEL_PROBLEMS = ["model-not-found", "no-model", "model-unavailable", "engine-unavailable"] as const;
/** What starting a reply can fail with: the user's limits, and the conversation gone meanwhile (see turn.ts). */
const REPLY_PROBLEMS = [
  "limit-exceeded",
  "quota-exceeded",
  "too-many-replies",
  "storage-quota-exceeded",
  "conversation-not-found",
  "message-not-found",
  "wrong-message-role",
] as const;

const send = createRoute({
  method: "post",
  path: "/api/conversations/{id}/messages",
  tags,
  summary: "Send a message; its reply is written in the background",
  description:
    "Answers 202 at once with the stored message and its `pending` reply. Follow the reply on " +
    "`GET /api/conversations/{id}/events`, or poll the messages.",
  ...asUser,
  request: { params: IdParam, body: jsonBody(SendMessageInput) },
  responses: { 202: jsonContent(Exchange, "The message and its reply, as stored") },
  ...problems(...REPLY_PROBLEMS, ...MODEL_PROBLEMS, "reply-in-progress", "message-too-long"),
});

const path = createRoute({
  method: "get",
  path: "/api/conversations/{id}/messages",
  tags,
  summary: "The active branch, oldest first, the last page first",
  description: "Each message lists its siblings (edits, regenerations) to switch branches with.",
  ...asUser,
  request: { params: IdParam, query: MessagePathQuery },
  responses: { 200: jsonContent(MessagePath, "Messages") },
  ...problems("conversation-not-found"),
});

const tree = createRoute({
  method: "get",
  path: "/api/conversations/{id}/tree",
  tags,
  summary: "Every message of every branch, in the order they were written",
  ...asUser,
  request: { params: IdParam, query: MessageTreeQuery },
  responses: { 200: jsonContent(MessageTree, "Messages") },
  ...problems("conversation-not-found"),
});

const events = createRoute({
  method: "get",
  path: "/api/conversations/{id}/events",
  tags,
  summary: "Server-sent events of a conversation, resumable with Last-Event-ID",
  description:
    "Each event is a `ConversationEvent`: its `type` is the SSE event name, its `data` the JSON of the data line. " +
    "`conversation.refetch` is sent when the events after Last-Event-ID are no longer kept. Ids are decimal and " +
    "increase per conversation. " +
    "`Last-Event-ID: 0` replays every event still kept; without it the stream starts with the next event, and " +
    "opens with `stream.opened`, whose id is where it starts (resume from it if the connection drops). " +
    "A comment line is sent every 15 s. When the session or API key that opened the stream ends (signed out, " +
    "revoked, user disabled), the stream ends within seconds with a `stream.closed` `{reason}` event. " +
    "Each user may have `limits.eventStreams` streams open at once; one more is refused with 429 `limit-exceeded`.",
  ...asUser,
  request: {
    params: IdParam,
    headers: z.object({
      "last-event-id": z.string().optional().openapi({ description: "The id of the last event you received." }),
    }),
    query: z.object({
      lastEventId: z
        .string()
        .optional()
        .openapi({ description: "Same as Last-Event-ID, for clients that cannot set it." }),
    }),
  },
  responses: {
    200: {
      description: "An event stream; each event is a `ConversationEvent`.",
      content: { "text/event-stream": { schema: ConversationEvent } },
    },
  },
  ...problems("conversation-not-found", "limit-exceeded"),
});

const edit = createRoute({
  method: "patch",
  path: "/api/messages/{id}",
  tags,
  summary: "Edit one of your messages: the new version becomes a sibling branch with a new reply",
  ...asUser,
  request: { params: IdParam, body: jsonBody(EditMessageInput) },
  responses: { 202: jsonContent(Exchange, "The new version and its reply") },
  ...problems(...REPLY_PROBLEMS, ...MODEL_PROBLEMS, "message-too-long"),
});

const regenerate = createRoute({
  method: "post",
  path: "/api/messages/{id}/regenerate",
  tags,
  summary: "Write another reply to the same message, as a sibling branch",
  ...asUser,
  request: {
    params: IdParam,
    body: { required: false, content: { "application/json": { schema: RegenerateInput } } },
  },
  responses: { 202: jsonContent(Reply, "The new reply") },
  ...problems(...REPLY_PROBLEMS, ...MODEL_PROBLEMS),
});

const cancel = createRoute({
  method: "post",
  path: "/api/messages/{id}/cancel",
  tags,
  summary: "Stop a reply; the text written so far is kept",
  ...asUser,
  request: { params: IdParam },
  responses: { 200: jsonContent(Reply, "The reply, `cancelled`") },
  ...problems("message-not-found", "wrong-message-role", "reply-finished"),
});

const activate = createRoute({
  method: "post",
  path: "/api/messages/{id}/activate",
  tags,
  summary: "Switch to the branch through this message (down its newest replies)",
  ...asUser,
  request: { params: IdParam },
  responses: { 200: jsonContent(MessagePath, "The new active path") },
  ...problems("message-not-found"),
});

const EVENT_STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform: proxies must not compress or buffer the stream; X-Accel-Buffering: nginx's switch.
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
};

export const messageRoutes = createRouter()
  .openapi(send, async (c) => {
    const { user } = currentPrincipal(c);
    const ctx = await countedChatContext(c, user.id);
    const exchange = unwrap(await sendMessage(ctx, user.id, c.req.valid("param").id, c.req.valid("json")));
    return c.json(exchange, 202);
  })
  .openapi(path, async (c) => {
    const { user } = currentPrincipal(c);
    const conversation = unwrap(await getConversation(c.var.db, user.id, c.req.valid("param").id));
    return c.json(await activePath(c.var.db, conversation.id, c.req.valid("query")), 200);
  })
  .openapi(tree, async (c) => {
    const { user } = currentPrincipal(c);
    const conversation = unwrap(await getConversation(c.var.db, user.id, c.req.valid("param").id));
    return c.json(await messageTree(c.var.db, conversation.id, c.req.valid("query")), 200);
  })
  .openapi(events, async (c) => {
    const principal = currentPrincipal(c);
    const { user } = principal;
    const lastEventId = parseLastEventId(c.req.valid("header")["last-event-id"] ?? c.req.valid("query").lastEventId);
    const { chat, logger, db } = c.var;
    const conversation = unwrap(await getConversation(db, user.id, c.req.valid("param").id));
    // Hono answers HEAD with this GET handler and drops the body unread and uncancelled: a stream
    // opened for it would never end.
    if (c.req.method === "HEAD") return c.body(null, 200, EVENT_STREAM_HEADERS);
    const { eventStreams } = await limitsFor(db, user.id, c.var.limits);
    const owner = { userId: user.id, credential: heldCredentialOf(principal) };
    const ticket = unwrap(await chat.streams.admit(db, owner, eventStreams));
    const stream = openEventStream({
      db,
      bus: chat.bus,
      logger,
      conversationId: conversation.id,
      lastEventId,
      settings: chat.stream,
      signal: ticket.signal,
      dropConnection: () => {
        // @hono/node-server passes Node's response as c.env.outgoing.
        const outgoing = (c.env as { outgoing?: { destroy(): void; writableFinished: boolean } } | undefined)?.outgoing;
        if (outgoing !== undefined && !outgoing.writableFinished) outgoing.destroy();
      },
      onOpen: () => chat.streamMetrics?.opened(),
      onClose: (reason) => {
        ticket.release();
        chat.streamMetrics?.closed(reason);
      },
    });
    return c.body(stream, 200, EVENT_STREAM_HEADERS);
  })
  .openapi(edit, async (c) => {
    const { user } = currentPrincipal(c);
    const ctx = await countedChatContext(c, user.id);
    const exchange = unwrap(await editMessage(ctx, user.id, c.req.valid("param").id, c.req.valid("json").content));
    return c.json(exchange, 202);
  })
  .openapi(regenerate, async (c) => {
    const { user } = currentPrincipal(c);
    const ctx = await countedChatContext(c, user.id);
    const model = (c.req.valid("json") as z.infer<typeof RegenerateInput> | undefined)?.model;
    const reply = unwrap(await regenerateReply(ctx, user.id, c.req.valid("param").id, model));
    return c.json({ assistantMessage: reply }, 202);
  })
  .openapi(cancel, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json({ assistantMessage: unwrap(await cancelReply(c.var, user.id, c.req.valid("param").id)) }, 200);
  })
  .openapi(activate, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json(unwrap(await activateMessage(c.var, user.id, c.req.valid("param").id, { limit: 100 })), 200);
  });

function parseLastEventId(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value.trim())) {
    raise(validationFailed("header", [{ field: "Last-Event-ID", message: "must be an event id (a decimal integer)" }]));
  }
  return Number(value.trim());
}

/**
 * A send, edit or regeneration counts against the user's messages per minute and their rate-limit
 * profile. Reads the user's limits once, for that count and for the storage quota the chat verbs check.
 */
async function countedChatContext(c: Context<AppEnv>, userId: string): Promise<AppVariables> {
  const limits = await limitsFor(c.var.db, userId, c.var.limits);
  unwrap(await countPerMinute(c.var.rates, userId, "messagesPerMinute", limits, c.var.clock.now()));
  await admitQuotas(c.var.db, c.var.rates, callerOf(c), c.var.clock.now(), (name, value) => c.header(name, value));
  return { ...c.var, limits };
}

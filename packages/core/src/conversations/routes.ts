import type { Queryable } from "@hearth/db";
import { createRoute } from "@hono/zod-openapi";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { IdParam } from "../accounts/schema.ts";
import { type Asker, getAssistant } from "../assistants/service.ts";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { countPerMinute } from "../limits/count-per-minute.ts";
import { limitsFor } from "../limits/user-limits.ts";
import { PageQuery } from "../pagination.ts";
import { unwrap } from "../problems.ts";
import type { ChatRuntime } from "./chat.ts";
import { getSummary, listSummaries } from "./context-summary.ts";
import { withKnownTools } from "./enabled-tools.ts";
import { newEvent } from "./events.ts";
import { recordInTransaction } from "./record-events.ts";
import {
  Conversation,
  ConversationListQuery,
  ConversationPage,
  ConversationSummary,
  ConversationSummaryPage,
  CreateConversationInput,
  SummaryParams,
  UpdateConversationInput,
} from "./schema.ts";
import {
  createConversation,
  deleteConversation,
  getConversation,
  listConversations,
  restoreConversation,
  updateConversation,
} from "./service.ts";

const tags = ["conversations"];

const create = createRoute({
  method: "post",
  path: "/api/conversations",
  tags,
  summary: "Start a conversation",
  description:
    "With `assistantId`, it starts with a copy of that assistant's model, system prompt, sampling and tools; " +
    "what the request gives itself wins.",
  ...asUser,
  request: { body: jsonBody(CreateConversationInput) },
  responses: { 201: jsonContent(Conversation, "The new conversation") },
  ...problems("unknown-tool", "limit-exceeded", "assistant-not-found"),
});

const list = createRoute({
  method: "get",
  path: "/api/conversations",
  tags,
  summary: "Your conversations, pinned ones first, then most recently updated first",
  description: "`q` filters by title. A page's `nextCursor` continues the same list: pass the same `q` and `deleted`.",
  ...asUser,
  request: { query: ConversationListQuery },
  responses: { 200: jsonContent(ConversationPage, "A page of conversations") },
});

const get = createRoute({
  method: "get",
  path: "/api/conversations/{id}",
  tags,
  summary: "One of your conversations",
  ...asUser,
  request: { params: IdParam },
  responses: { 200: jsonContent(Conversation, "The conversation") },
  ...problems("conversation-not-found"),
});

const update = createRoute({
  method: "patch",
  path: "/api/conversations/{id}",
  tags,
  summary: "Rename, pin or unpin a conversation, or change its model, tools, system prompt or sampling",
  description: "Any change but `pinned` moves the conversation to the top of its part of the list (pinned or not).",
  ...asUser,
  request: { params: IdParam, body: jsonBody(UpdateConversationInput) },
  responses: { 200: jsonContent(Conversation, "The updated conversation") },
  ...problems("conversation-not-found", "unknown-tool"),
});

const remove = createRoute({
  method: "delete",
  path: "/api/conversations/{id}",
  tags,
  summary: "Delete a conversation (it can be restored)",
  ...asUser,
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" } },
  ...problems("conversation-not-found"),
});

const restore = createRoute({
  method: "post",
  path: "/api/conversations/{id}/restore",
  tags,
  summary: "Restore a deleted conversation",
  ...asUser,
  request: { params: IdParam },
  responses: { 200: jsonContent(Conversation, "The restored conversation") },
  ...problems("conversation-not-found"),
});

const listSummariesRoute = createRoute({
  method: "get",
  path: "/api/conversations/{id}/summaries",
  tags,
  summary: "The summaries its replies read in place of older messages, newest first",
  description:
    "Written by the model under the `summarize` context strategy; a reply names the one it read (`contextSummaryId`).",
  ...asUser,
  request: { params: IdParam, query: PageQuery },
  responses: { 200: jsonContent(ConversationSummaryPage, "A page of summaries") },
  ...problems("conversation-not-found"),
});

const getSummaryRoute = createRoute({
  method: "get",
  path: "/api/conversations/{id}/summaries/{summaryId}",
  tags,
  summary: "One summary of a conversation's older messages",
  ...asUser,
  request: { params: SummaryParams },
  responses: { 200: jsonContent(ConversationSummary, "The summary") },
  ...problems("conversation-not-found", "summary-not-found"),
});

export const conversationRoutes = createRouter()
  .openapi(create, async (c) => {
    const { user } = currentPrincipal(c);
    const input = await withAssistant(
      c.var.db,
      c.var.chat,
      user,
      withKnownTools(c.var.chat.tools, c.req.valid("json")),
    );
    const limits = await limitsFor(c.var.db, user.id, c.var.limits);
    unwrap(await countPerMinute(c.var.rates, user.id, "conversationsPerMinute", limits, c.var.clock.now()));
    const conversation = await createConversation(c.var.db, user.id, input, c.var.clock.now());
    return c.json(conversation, 201);
  })
  .openapi(list, async (c) => {
    const { user } = currentPrincipal(c);
    const query = c.req.valid("query");
    return c.json(await listConversations(c.var.db, user.id, query), 200);
  })
  .openapi(get, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json(unwrap(await getConversation(c.var.db, user.id, c.req.valid("param").id)), 200);
  })
  .openapi(update, async (c) => {
    const { user } = currentPrincipal(c);
    const { id } = c.req.valid("param");
    const change = withKnownTools(c.var.chat.tools, c.req.valid("json"));
    const now = c.var.clock.now();
    const conversation = await recordInTransaction(c.var.db, c.var.chat.bus, now, async (tx, log) => {
      const updated = unwrap(await updateConversation(tx, user.id, id, change, now));
      await log.append(id, [newEvent("conversation.updated", updated)]);
      return updated;
    });
    return c.json(conversation, 200);
  })
  .openapi(remove, async (c) => {
    const { user } = currentPrincipal(c);
    unwrap(await deleteConversation(c.var.db, user.id, c.req.valid("param").id, c.var.clock.now()));
    return c.body(null, 204);
  })
  .openapi(restore, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json(unwrap(await restoreConversation(c.var.db, user.id, c.req.valid("param").id)), 200);
  })
  .openapi(listSummariesRoute, async (c) => {
    const { user } = currentPrincipal(c);
    const { id } = c.req.valid("param");
    return c.json(unwrap(await listSummaries(c.var.db, user.id, id, c.req.valid("query"))), 200);
  })
  .openapi(getSummaryRoute, async (c) => {
    const { user } = currentPrincipal(c);
    const { id, summaryId } = c.req.valid("param");
    return c.json(unwrap(await getSummary(c.var.db, user.id, id, summaryId)), 200);
  });

/**
 * The input filled in from its assistant (one the user can see, else `assistant-not-found`): a copy
 * of the assistant's settings, under what the input gives itself. Of its tools, only those still
 * registered are copied (a plugin may have gone since): the conversation could not be saved with the others.
 */
async function withAssistant(
  db: Queryable,
  chat: ChatRuntime,
  user: Asker,
  input: CreateConversationInput,
): Promise<CreateConversationInput> {
  if (input.assistantId === undefined) return input;
  const assistant = unwrap(await getAssistant(db, user, input.assistantId));
  return {
    ...input,
    ...(input.model === undefined && assistant.model !== null ? { model: assistant.model } : {}),
    systemPrompt: input.systemPrompt === undefined ? assistant.systemPrompt : input.systemPrompt,
    sampling: input.sampling ?? assistant.sampling,
    tools: input.tools ?? assistant.tools.filter((name) => chat.tools.get(name) !== undefined),
  };
}

/** @module Assistants' routes: list, create, read, change and delete the caller's and the shared ones. */
import { createRoute } from "@hono/zod-openapi";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { IdParam } from "../accounts/schema.ts";
import { withKnownTools } from "../conversations/enabled-tools.ts";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { unwrap } from "../problems.ts";
import {
  Assistant,
  AssistantListQuery,
  AssistantPage,
  CreateAssistantInput,
  MAX_ASSISTANTS_PER_USER,
  UpdateAssistantInput,
} from "./schema.ts";
import { createAssistant, deleteAssistant, getAssistant, listAssistants, updateAssistant } from "./service.ts";

const tags = ["assistants"];

const list = createRoute({
  method: "get",
  path: "/api/assistants",
  tags,
  summary: "Your assistants and the shared ones, newest first",
  ...asUser,
  request: { query: AssistantListQuery },
  responses: { 200: jsonContent(AssistantPage, "A page of assistants") },
});

const create = createRoute({
  method: "post",
  path: "/api/assistants",
  tags,
  summary: "Make an assistant: a named model, system prompt, sampling and tools",
  description:
    `Personal unless \`isShared\` (admins only). Start a conversation from it with POST /api/conversations and ` +
    `\`assistantId\`. One person may make up to ${MAX_ASSISTANTS_PER_USER}.`,
  ...asUser,
  request: { body: jsonBody(CreateAssistantInput) },
  responses: { 201: jsonContent(Assistant, "The new assistant") },
  ...problems("unknown-tool", "admin-required", "too-many-assistants"),
});

const get = createRoute({
  method: "get",
  path: "/api/assistants/{id}",
  tags,
  summary: "One of your assistants, or a shared one",
  ...asUser,
  request: { params: IdParam },
  responses: { 200: jsonContent(Assistant, "The assistant") },
  ...problems("assistant-not-found"),
});

const update = createRoute({
  method: "patch",
  path: "/api/assistants/{id}",
  tags,
  summary: "Change an assistant (your personal one; a shared one if you are an admin)",
  description: "Conversations started from it keep the settings they started with.",
  ...asUser,
  request: { params: IdParam, body: jsonBody(UpdateAssistantInput) },
  responses: { 200: jsonContent(Assistant, "The changed assistant") },
  ...problems("assistant-not-found", "admin-required", "unknown-tool"),
});

const remove = createRoute({
  method: "delete",
  path: "/api/assistants/{id}",
  tags,
  summary: "Delete an assistant (your personal one; a shared one if you are an admin)",
  description: "Conversations started from it keep their settings; their `assistantId` becomes null.",
  ...asUser,
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" } },
  ...problems("assistant-not-found", "admin-required"),
});

export const assistantRoutes = createRouter()
  .openapi(list, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json(await listAssistants(c.var.db, user, c.req.valid("query")), 200);
  })
  .openapi(create, async (c) => {
    const { user } = currentPrincipal(c);
    const input = withKnownTools(c.var.chat.tools, c.req.valid("json"));
    return c.json(unwrap(await createAssistant(c.var.db, user, input, c.var.clock.now())), 201);
  })
  .openapi(get, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json(unwrap(await getAssistant(c.var.db, user, c.req.valid("param").id)), 200);
  })
  .openapi(update, async (c) => {
    const { user } = currentPrincipal(c);
    const change = withKnownTools(c.var.chat.tools, c.req.valid("json"));
    const { id } = c.req.valid("param");
    return c.json(unwrap(await updateAssistant(c.var.db, user, id, change, c.var.clock.now())), 200);
  })
  .openapi(remove, async (c) => {
    const { user } = currentPrincipal(c);
    unwrap(await deleteAssistant(c.var.db, user, c.req.valid("param").id));
    return c.body(null, 204);
  });

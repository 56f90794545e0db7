/**
 * @module The OpenAI-compatible API under /v1: models and chat completions, for the clients and SDKs
 * made for OpenAI. Stateless: nothing of a completion is stored. Errors come out in OpenAI's shape
 * (apps/server renders every problem under /v1 so).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { currentPrincipal, requireUser } from "../accounts/authenticate.ts";
import { conversationsProblems } from "../conversations/problems.ts";
import { createRouter } from "../http/create-router.ts";
import { jsonBody, jsonContent } from "../http/route-helpers.ts";
import { countPerMinute } from "../limits/count-per-minute.ts";
import { limitsFor } from "../limits/user-limits.ts";
import type { RegistryModel } from "../models/model-registry.ts";
import { raise, unwrap } from "../problems.ts";
import { ChatCompletionRequest } from "./chat-completion-request.ts";
import { admitCompletion } from "./completion-leases.ts";
import { chatModelIds } from "./prepare-completion.ts";
import { openAiApiProblems } from "./problems.ts";
import { runChatCompletion } from "./run-chat-completion.ts";
import { ChatCompletion, modelErrorResponses, OpenAiModel, OpenAiModelList, openAiErrorResponses } from "./schema.ts";

const tags = ["openai"];
const security = [{ sessionCookie: [] }, { bearerApiKey: [] }];

const listModels = createRoute({
  method: "get",
  path: "/v1/models",
  tags,
  summary: "The chat models that can be used now (OpenAI-compatible)",
  middleware: requireUser,
  security,
  responses: { 200: jsonContent(OpenAiModelList, "Models"), ...openAiErrorResponses },
});

// Documented here; served by a route that takes the rest of the path, since ids hold a "/".
const retrieveModel = createRoute({
  method: "get",
  path: "/v1/models/{id}",
  tags,
  summary: "One chat model (OpenAI-compatible)",
  description:
    "The id is qualified (`local/tiny-chat`); its `/` may be sent as is or as `%2F`. A bare id names a local model.",
  security,
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: jsonContent(OpenAiModel, "The model"), ...openAiErrorResponses, ...modelErrorResponses },
});

const chatCompletions = createRoute({
  method: "post",
  path: "/v1/chat/completions",
  tags,
  summary: "Write a reply to a conversation given in full (OpenAI-compatible)",
  description:
    "With `stream: true` the reply comes as server-sent `chat.completion.chunk`s, then `data: [DONE]`; a failure " +
    'after the first chunk comes as a `data: {"error": …}` event that ends the stream. Each completion counts ' +
    "against `messagesPerMinute`, and a user may have `chat.maxRepliesInProgress` running at once. Unknown fields " +
    "are ignored; `n` must be 1. Disconnecting stops the generation.",
  middleware: requireUser,
  security,
  request: { body: jsonBody(ChatCompletionRequest) },
  responses: {
    200: {
      description: "The reply, or its stream of chunks",
      content: { "application/json": { schema: ChatCompletion }, "text/event-stream": { schema: z.string() } },
    },
    ...openAiErrorResponses,
    ...modelErrorResponses,
  },
});

export const openAiRoutes = createRouter()
  .openapi(listModels, async (c) => {
    const { models } = await c.var.chat.models.list();
    const data = models.filter((model) => model.isAvailable && model.capabilities.chat).map(presentModel);
    return c.json({ object: "list" as const, data }, 200);
  })
  .openapi(chatCompletions, async (c) => {
    const { user } = currentPrincipal(c);
    const request = c.req.valid("json");
    const { db, clock, logger, chat } = c.var;
    const limits = await limitsFor(db, user.id, c.var.limits);
    unwrap(await countPerMinute(db, user.id, "messagesPerMinute", limits, clock.now()));
    const lease = unwrap(await admitCompletion({ db, clock, logger }, user.id, chat.maxRepliesInProgress));
    // A Response of either kind (JSON or a stream), which the typed route cannot spell.
    return (await runChatCompletion(c, request, lease)) as never;
  });

openAiRoutes.openAPIRegistry.registerPath(retrieveModel);
openAiRoutes.get("/v1/models/:id{.+}", requireUser, async (c) => {
  const id = c.req.param("id");
  const model = await c.var.chat.models.find(id);
  if (model === undefined || !model.capabilities.chat) {
    raise(openAiApiProblems.unknownModel(id, await chatModelIds(c.var.chat.models)));
  }
  if (!model.isAvailable) raise(conversationsProblems.modelUnavailable(model.id, model.unavailableReason ?? "unknown"));
  return c.json(presentModel(model), 200);
});

function presentModel(model: RegistryModel) {
  // Providers do not say when a model was made: 0 rather than a date that means nothing.
  return { id: model.id, object: "model" as const, created: 0, owned_by: model.provider };
}

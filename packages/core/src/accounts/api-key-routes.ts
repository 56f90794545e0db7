import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { limitsFor } from "../limits/user-limits.ts";
import { unwrap } from "../problems.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "./api-keys.ts";
import { currentPrincipal } from "./authenticate.ts";
import { ApiKey, CreateApiKeyInput, CreatedApiKey, IdParam } from "./schema.ts";

const create = createRoute({
  method: "post",
  path: "/api/api-keys",
  tags: ["accounts"],
  summary: "Create an API key (its secret is shown once)",
  ...asUser,
  request: { body: jsonBody(CreateApiKeyInput) },
  responses: { 201: jsonContent(CreatedApiKey, "The new key, with its secret") },
  ...problems("limit-exceeded"),
});

const list = createRoute({
  method: "get",
  path: "/api/api-keys",
  tags: ["accounts"],
  summary: "Your API keys (without secrets)",
  ...asUser,
  responses: { 200: jsonContent(z.object({ data: z.array(ApiKey) }), "Your keys") },
});

const revoke = createRoute({
  method: "delete",
  path: "/api/api-keys/{id}",
  tags: ["accounts"],
  summary: "Revoke one of your API keys",
  ...asUser,
  request: { params: IdParam },
  responses: { 204: { description: "Revoked" } },
  ...problems("api-key-not-found"),
});

export const apiKeyRoutes = createRouter()
  .openapi(create, async (c) => {
    const { user } = currentPrincipal(c);
    const { apiKeys } = await limitsFor(c.var.db, user.id, c.var.limits);
    const apiKey = unwrap(await createApiKey(c.var.db, user.id, c.req.valid("json").name, c.var.clock.now(), apiKeys));
    c.var.logger.info({ userId: user.id, apiKeyId: apiKey.id }, "api key created");
    return c.json(apiKey, 201);
  })
  .openapi(list, async (c) => {
    const { user } = currentPrincipal(c);
    return c.json({ data: await listApiKeys(c.var.db, user.id) }, 200);
  })
  .openapi(revoke, async (c) => {
    const { user } = currentPrincipal(c);
    const { id } = c.req.valid("param");
    unwrap(await revokeApiKey(c.var.db, user.id, id));
    c.var.credentials?.invalidate();
    c.var.revocations.announce({ via: "api-key", apiKeyId: id });
    c.var.logger.info({ userId: user.id, apiKeyId: id }, "api key revoked");
    return c.body(null, 204);
  });

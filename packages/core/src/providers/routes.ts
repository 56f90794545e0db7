import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { currentPrincipal } from "../accounts/authenticate.ts";
import type { AppEnv } from "../http/app-env.ts";
import { createRouter } from "../http/create-router.ts";
import { asAdmin, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { unwrap } from "../problems.ts";
import type { ConfiguredProviders } from "./configured-providers.ts";
import { createProvider, getProvider, listProviders, removeProvider, updateProvider } from "./manage-providers.ts";
import { ConnectionTest, CreateProviderInput, Provider, ProviderIdParam, UpdateProviderInput } from "./schema.ts";
import { testConnection } from "./test-connection.ts";

const tags = ["admin", "providers"];
const path = "/api/admin/providers";

const list = createRoute({
  method: "get",
  path,
  tags,
  summary: "Model providers: the config file's, then those added here",
  ...asAdmin,
  responses: { 200: jsonContent(z.object({ data: z.array(Provider) }), "Every provider") },
});

const create = createRoute({
  method: "post",
  path,
  tags,
  summary: "Add a model provider (an OpenAI-compatible server or Ollama)",
  description:
    "The base URL may not point at cloud metadata services or link-local addresses; loopback and private " +
    "addresses are allowed. The API key is stored encrypted and never returned.",
  ...asAdmin,
  request: { body: jsonBody(CreateProviderInput) },
  responses: { 201: jsonContent(Provider, "The new provider") },
  ...problems("provider-id-taken", "provider-url-refused", "secret-key-unavailable"),
});

const read = createRoute({
  method: "get",
  path: `${path}/{id}`,
  tags,
  summary: "A model provider",
  ...asAdmin,
  request: { params: ProviderIdParam },
  responses: { 200: jsonContent(Provider, "The provider") },
  ...problems("provider-not-found"),
});

const update = createRoute({
  method: "patch",
  path: `${path}/{id}`,
  tags,
  summary: "Change a model provider (not one from the config file)",
  description: "Fields left out keep their value. Every node uses the change within about a second.",
  ...asAdmin,
  request: { params: ProviderIdParam, body: jsonBody(UpdateProviderInput) },
  responses: { 200: jsonContent(Provider, "The changed provider") },
  ...problems("provider-not-found", "provider-in-config-file", "provider-url-refused", "secret-key-unavailable"),
});

const remove = createRoute({
  method: "delete",
  path: `${path}/{id}`,
  tags,
  summary: "Remove a model provider (not one from the config file)",
  ...asAdmin,
  request: { params: ProviderIdParam },
  responses: { 204: { description: "Removed" } },
  ...problems("provider-not-found", "provider-in-config-file"),
});

const test = createRoute({
  method: "post",
  path: `${path}/{id}/test`,
  tags,
  summary: "Test the connection: ask the provider for its models within its timeout",
  description: "A provider that cannot be reached is an answer (`ok: false` with the reason), not an error.",
  ...asAdmin,
  request: { params: ProviderIdParam },
  responses: { 200: jsonContent(ConnectionTest, "What the provider answered") },
  ...problems("provider-not-found"),
});

/** The admin API for model providers; a change is picked up by `configured` at once on this node. */
export function providerRoutes(configured: ConfiguredProviders) {
  const storeOf = (c: Context<AppEnv>) => ({
    db: c.var.db,
    secretBox: configured.secretBox,
    fromConfig: configured.fromConfig,
    factory: configured.factory,
    ...(configured.lookup === undefined ? {} : { lookup: configured.lookup }),
  });
  // Names of the fields that changed, never their values: one of them may be the API key.
  const logChange = (c: Context<AppEnv>, providerId: string, message: string, fields?: object) => {
    const by = currentPrincipal(c).user.id;
    c.var.logger.info({ providerId, by, ...(fields ? { fields: Object.keys(fields) } : {}) }, message);
  };

  return createRouter()
    .openapi(list, async (c) => c.json({ data: await listProviders(storeOf(c)) }, 200))
    .openapi(create, async (c) => {
      const input = c.req.valid("json");
      const provider = unwrap(await createProvider(storeOf(c), input, c.var.clock.now()));
      configured.invalidate();
      logChange(c, provider.id, "model provider created");
      return c.json(provider, 201);
    })
    .openapi(read, async (c) => c.json(unwrap(await getProvider(storeOf(c), c.req.valid("param").id)), 200))
    .openapi(update, async (c) => {
      const { id } = c.req.valid("param");
      const change = c.req.valid("json");
      const provider = unwrap(await updateProvider(storeOf(c), id, change, c.var.clock.now()));
      configured.invalidate();
      logChange(c, id, "model provider changed", change);
      return c.json(provider, 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid("param");
      unwrap(await removeProvider(storeOf(c), id));
      configured.invalidate();
      logChange(c, id, "model provider removed");
      return c.body(null, 204);
    })
    .openapi(test, async (c) => c.json(unwrap(await testConnection(storeOf(c), c.req.valid("param").id)), 200));
}

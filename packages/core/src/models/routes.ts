import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonContent } from "../http/route-helpers.ts";
import { ModelList } from "./schema.ts";

const list = createRoute({
  method: "get",
  path: "/api/models",
  tags: ["models"],
  summary: "Every provider's models, with their capabilities and whether they can be used now",
  ...asUser,
  responses: { 200: jsonContent(ModelList, "Models") },
});

export const modelRoutes = createRouter().openapi(list, async (c) => {
  const { models, providers } = await c.var.chat.models.list();
  const info = c.var.engine.info();
  const engine = { isRunning: info !== undefined, ...info, localBuild: c.var.engine.localBuild() };
  return c.json({ data: models, providers, engine }, 200);
});

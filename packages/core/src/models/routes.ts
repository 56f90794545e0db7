import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../http/create-router.ts";
import { asUser, authProblemResponses, jsonContent } from "../http/route-helpers.ts";
import { ModelList } from "./schema.ts";

const list = createRoute({
  method: "get",
  path: "/api/models",
  tags: ["models"],
  summary: "The models this server can run, and the llama.cpp build in use",
  ...asUser,
  responses: { 200: jsonContent(ModelList, "Models"), ...authProblemResponses },
});

export const modelRoutes = createRouter().openapi(list, async (c) => {
  const engine = await c.var.engine.get();
  return c.json(
    { data: await engine.listModels(), engine: { ...engine.info(), localBuild: c.var.engine.localBuild() } },
    200,
  );
});

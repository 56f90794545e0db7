import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http/create-router.ts";
import { jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { unwrap } from "../problems.ts";
import { SetupInput, User } from "./schema.ts";
import { isSetUp, setUpFirstAdmin } from "./users.ts";

const getSetup = createRoute({
  method: "get",
  path: "/api/setup",
  tags: ["accounts"],
  summary: "Whether first-run setup has been done",
  responses: { 200: jsonContent(z.object({ isSetup: z.boolean() }), "Setup state") },
});

const postSetup = createRoute({
  method: "post",
  path: "/api/setup",
  tags: ["accounts"],
  summary: "Create the first admin (first run only)",
  request: { body: jsonBody(SetupInput) },
  responses: { 201: jsonContent(z.object({ user: User }), "The first admin") },
  ...problems("setup-already-done"),
});

export const setupRoutes = createRouter()
  .openapi(getSetup, async (c) => c.json({ isSetup: await isSetUp(c.var.db) }, 200))
  .openapi(postSetup, async (c) => {
    const user = unwrap(await setUpFirstAdmin(c.var.db, c.req.valid("json"), c.var.clock.now()));
    c.var.logger.info({ userId: user.id }, "first admin created");
    return c.json({ user }, 201);
  });

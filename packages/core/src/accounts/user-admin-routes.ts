import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http/create-router.ts";
import { asAdmin, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { PageQuery } from "../pagination.ts";
import { unwrap } from "../problems.ts";
import { currentPrincipal } from "./authenticate.ts";
import { CreateUserInput, IdParam, UpdateUserInput, User } from "./schema.ts";
import { createUser, listUsers, updateUser } from "./users.ts";

const create = createRoute({
  method: "post",
  path: "/api/admin/users",
  tags: ["admin"],
  summary: "Create a user",
  ...asAdmin,
  request: { body: jsonBody(CreateUserInput) },
  responses: { 201: jsonContent(User, "The new user") },
  ...problems("email-taken", "username-taken"),
});

const list = createRoute({
  method: "get",
  path: "/api/admin/users",
  tags: ["admin"],
  summary: "List users, oldest first",
  ...asAdmin,
  request: { query: PageQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(User), nextCursor: z.string().nullable() }), "A page of users"),
  },
});

const update = createRoute({
  method: "patch",
  path: "/api/admin/users/{id}",
  tags: ["admin"],
  summary: "Change a user's role, or disable or enable them",
  description: "A privilege change rotates the user's sessions; disabling ends them and stops their API keys.",
  ...asAdmin,
  request: { params: IdParam, body: jsonBody(UpdateUserInput) },
  responses: { 200: jsonContent(User, "The updated user") },
  ...problems("user-not-found", "last-admin"),
});

export const userAdminRoutes = createRouter()
  .openapi(create, async (c) => {
    const user = unwrap(await createUser(c.var.db, c.req.valid("json"), c.var.clock.now()));
    c.var.logger.info({ userId: user.id, by: currentPrincipal(c).user.id }, "user created");
    return c.json(user, 201);
  })
  .openapi(list, async (c) => {
    const page = c.req.valid("query");
    return c.json(await listUsers(c.var.db, page), 200);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const user = unwrap(await updateUser(c.var.db, id, c.req.valid("json"), c.var.clock.now()));
    c.var.credentials?.invalidate();
    if (user.disabled) c.var.revocations.announce({ via: "user", userId: id });
    c.var.logger.info(
      { userId: id, by: currentPrincipal(c).user.id, role: user.role, disabled: user.disabled },
      "user updated",
    );
    return c.json(user, 200);
  });

import type { Queryable } from "@hearth/db";
import { createRoute } from "@hono/zod-openapi";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { accountsProblems } from "../accounts/problems.ts";
import { IdParam } from "../accounts/schema.ts";
import { createRouter } from "../http/create-router.ts";
import { asAdmin, asUser, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { raise } from "../problems.ts";
import { callerOf } from "../quotas/admit-quotas.ts";
import { limitsReport } from "./limits-report.ts";
import { LimitOverridesInput, LimitsReport } from "./schema.ts";
import { setOverrides } from "./set-overrides.ts";

const tags = ["limits"];

const own = createRoute({
  method: "get",
  path: "/api/limits",
  tags,
  summary: "Your limits and how much of them you use",
  ...asUser,
  responses: { 200: jsonContent(LimitsReport, "Your limits") },
});

const read = createRoute({
  method: "get",
  path: "/api/admin/users/{id}/limits",
  tags: ["admin", ...tags],
  summary: "A user's limits: effective, defaults, overrides and usage",
  ...asAdmin,
  request: { params: IdParam },
  responses: { 200: jsonContent(LimitsReport, "The user's limits") },
  ...problems("user-not-found"),
});

const override = createRoute({
  method: "patch",
  path: "/api/admin/users/{id}/limits",
  tags: ["admin", ...tags],
  summary: "Override a user's limits (a number), or restore the default (null)",
  description: "Limits left out of the body keep their current override. Takes effect on the user's next request.",
  ...asAdmin,
  request: { params: IdParam, body: jsonBody(LimitOverridesInput) },
  responses: { 200: jsonContent(LimitsReport, "The user's limits") },
  ...problems("user-not-found"),
});

export const limitRoutes = createRouter()
  .openapi(own, async (c) => {
    return c.json(await limitsReport(c.var.db, c.var.rates, callerOf(c), c.var.limits, c.var.clock.now()), 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const role = await roleOf(c.var.db, id);
    if (role === undefined) raise(accountsProblems.userNotFound(id));
    return c.json(
      await limitsReport(c.var.db, c.var.rates, { userId: id, role }, c.var.limits, c.var.clock.now()),
      200,
    );
  })
  .openapi(override, async (c) => {
    const { id } = c.req.valid("param");
    const change = c.req.valid("json");
    if (!(await setOverrides(c.var.db, id, change, c.var.clock.now()))) raise(accountsProblems.userNotFound(id));
    c.var.logger.info({ userId: id, by: currentPrincipal(c).user.id, change }, "user limits changed");
    const role = (await roleOf(c.var.db, id)) ?? "user";
    return c.json(
      await limitsReport(c.var.db, c.var.rates, { userId: id, role }, c.var.limits, c.var.clock.now()),
      200,
    );
  });

/** A user's role; undefined when there is no such user. */
async function roleOf(db: Queryable, userId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ role: string }>("SELECT role FROM users WHERE id = $1", [userId]);
  return rows[0]?.role;
}

import { z } from "@hono/zod-openapi";
import { requireAdmin, requireUser } from "../accounts/authenticate.ts";
import type { ProblemCode } from "./problem-codes.ts";

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
  })
  .catchall(z.unknown())
  .openapi("Problem", { description: "RFC 9457 problem details. Extra members carry the facts of the problem." });

/**
 * The OpenAPI extension that lists the problem codes an operation can answer with. A route names
 * those of its handler with `problems(…)`; apps/server adds those of the middleware and turns the
 * list into the operation's error responses through its one table of statuses, so no route states a
 * status by hand.
 */
export const PROBLEMS_EXTENSION = "x-hearth-problems";

/** The problem codes a route's handler can answer with, spread into its config. */
export const problems = (...codes: ProblemCode[]): { [PROBLEMS_EXTENSION]: ProblemCode[] } => ({
  [PROBLEMS_EXTENSION]: codes,
});

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/**
 * The role admin-only operations name in their security requirements (OpenAPI 3.1 lets a non-OAuth
 * requirement list roles): apps/server reads it to add `admin-required` to their problems.
 */
export const ADMIN_ROLE = "admin";

/** Route options for anything a signed-in user may call. */
export const asUser = { middleware: requireUser, security: [{ sessionCookie: [] }, { bearerApiKey: [] }] };
/** Route options for admin-only routes. */
export const asAdmin = {
  middleware: requireAdmin,
  security: [{ sessionCookie: [ADMIN_ROLE] }, { bearerApiKey: [ADMIN_ROLE] }],
};

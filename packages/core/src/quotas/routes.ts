/** @module Admins define rate-limit profiles and assign them to roles, users and API keys. */
import { createRoute, z } from "@hono/zod-openapi";
import { userExists } from "../accounts/users.ts";
import { createRouter } from "../http/create-router.ts";
import { asAdmin, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { raise } from "../problems.ts";
import { quotasProblems } from "./problems.ts";
import {
  AssignmentKind,
  assignProfile,
  CreateProfileInput,
  createProfile,
  deleteProfile,
  findProfile,
  listProfiles,
  Profile,
  ProfileId,
  UpdateProfileInput,
  updateProfile,
} from "./profiles.ts";

const tags = ["admin", "rate limits"];
const path = "/api/admin/rate-limit-profiles";
const IdParam = z.object({ id: z.string().max(100) });

const list = createRoute({
  method: "get",
  path,
  tags,
  summary: "Every rate-limit profile, with what it is assigned to",
  ...asAdmin,
  responses: { 200: jsonContent(z.object({ data: z.array(Profile) }), "The profiles") },
});

const create = createRoute({
  method: "post",
  path,
  tags,
  summary: "Define a rate-limit profile",
  description:
    "Model calls per minute and per day (GCRA: a burst up to the limit, then an even pace; no window edge lets " +
    "twice the limit through), and tokens per minute and per day (sliding windows over the usage ledger: a call " +
    "starts only while the budget has room, and what it used counts once it ends). Unset: no limit.",
  ...asAdmin,
  request: { body: jsonBody(CreateProfileInput) },
  responses: { 201: jsonContent(Profile, "Defined") },
  ...problems("rate-limit-profile-exists"),
});

const update = createRoute({
  method: "patch",
  path: `${path}/{id}`,
  tags,
  summary: "Change a rate-limit profile (null: no limit)",
  description: "Takes effect on the next call of everyone it applies to.",
  ...asAdmin,
  request: { params: IdParam, body: jsonBody(UpdateProfileInput) },
  responses: { 200: jsonContent(Profile, "Changed") },
  ...problems("rate-limit-profile-not-found"),
});

const remove = createRoute({
  method: "delete",
  path: `${path}/{id}`,
  tags,
  summary: "Delete a rate-limit profile and its assignments",
  ...asAdmin,
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" } },
  ...problems("rate-limit-profile-not-found"),
});

const AssignInput = z
  .object({
    kind: AssignmentKind.openapi({ description: "What gets the profile: a role, a user or an API key." }),
    id: z.string().min(1).max(100).openapi({ description: "The role (`user`, `admin`), or the user's or key's id." }),
    profile: ProfileId.nullable().openapi({ description: "The profile's id; null takes the assignment away." }),
  })
  .strict()
  .openapi("AssignRateLimitProfile");

const assign = createRoute({
  method: "put",
  path: "/api/admin/rate-limit-assignments",
  tags,
  summary: "Assign a rate-limit profile to a role, a user or an API key",
  description:
    "The most specific assignment applies: an API key's (its calls count on their own), then the user's, then " +
    "the role's. A caller with none is limited only by their own limits (`/api/limits`).",
  ...asAdmin,
  request: { body: jsonBody(AssignInput) },
  responses: { 200: jsonContent(AssignInput, "Assigned") },
  ...problems("rate-limit-profile-not-found", "assignment-target-not-found"),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const quotaRoutes = createRouter()
  .openapi(list, async (c) => c.json({ data: await listProfiles(c.var.db) }, 200))
  .openapi(create, async (c) => {
    const input = c.req.valid("json");
    if (!(await createProfile(c.var.db, input, c.var.clock.now()))) raise(quotasProblems.exists(input.id));
    c.var.logger.info({ profile: input.id }, "rate-limit profile created");
    return c.json((await findProfile(c.var.db, input.id)) as Profile, 201);
  })
  .openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await updateProfile(c.var.db, id, c.req.valid("json"), c.var.clock.now())))
      raise(quotasProblems.notFound(id));
    c.var.logger.info({ profile: id }, "rate-limit profile changed");
    return c.json((await findProfile(c.var.db, id)) as Profile, 200);
  })
  .openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await deleteProfile(c.var.db, id))) raise(quotasProblems.notFound(id));
    c.var.logger.info({ profile: id }, "rate-limit profile deleted");
    return c.body(null, 204);
  })
  .openapi(assign, async (c) => {
    const input = c.req.valid("json");
    const { db } = c.var;
    const exists =
      input.kind === "role"
        ? ["user", "admin"].includes(input.id)
        : UUID.test(input.id) &&
          (input.kind === "user"
            ? await userExists(db, input.id)
            : (await db.query("SELECT 1 FROM api_keys WHERE id = $1", [input.id])).rows.length > 0);
    if (!exists) raise(quotasProblems.targetNotFound(input.kind, input.id));
    if (input.profile !== null && (await findProfile(db, input.profile)) === undefined)
      raise(quotasProblems.notFound(input.profile));
    await assignProfile(db, { kind: input.kind, id: input.id.toLowerCase() }, input.profile, c.var.clock.now());
    c.var.logger.info({ kind: input.kind, target: input.id, profile: input.profile }, "rate-limit profile assigned");
    return c.json(input, 200);
  });

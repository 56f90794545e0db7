import { z } from "@hono/zod-openapi";
import { requireAdmin, requireUser } from "../accounts/authenticate.ts";

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

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Problem } },
});

/** The error responses every `/api` route may give, for the OpenAPI document. */
export const commonProblemResponses = {
  400: problemResponse("Malformed JSON, or a field that fails validation (named in `issues`)."),
  413: problemResponse("The body is larger than the configured limit."),
  429: problemResponse("Too many requests; see Retry-After."),
};

export const authProblemResponses = {
  ...commonProblemResponses,
  401: problemResponse("No valid session cookie or API key."),
  403: problemResponse("CSRF token missing or wrong, or not allowed."),
};

export const notFoundResponse = problemResponse("No such resource, or not yours.");
export const conflictResponse = problemResponse("The request conflicts with the current state.");
export const unprocessableResponse = problemResponse("The request names something that cannot be used (see `detail`).");
export const unavailableResponse = problemResponse("A part of Hearth the request needs is not available.");
export const limitResponse = problemResponse(
  "A per-user limit was reached (`limit-exceeded`): `limit` names it, `value` is yours; see Retry-After when set.",
);
export const storageQuotaResponse = problemResponse(
  "The text would take you past your storage quota (`storage-quota-exceeded`: `value` and `usedBytes` say by how much), " +
    "or a new message is longer than the model can ever read (`message-too-long`).",
);

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

const security = [{ sessionCookie: [] }, { bearerApiKey: [] }];

/** Route options for anything a signed-in user may call. */
export const asUser = { middleware: requireUser, security };
/** Route options for admin-only routes. */
export const asAdmin = { middleware: requireAdmin, security };

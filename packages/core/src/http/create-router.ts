import { OpenAPIHono, type z } from "@hono/zod-openapi";
import { type CommonProblem, raise, validationFailed } from "../problems.ts";
import type { AppEnv } from "./app-env.ts";

/**
 * A router whose request validation failures become `validation-failed` problems naming each
 * field, through the same error path as every other problem.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      raise(invalid(result.target === "json" ? "body" : result.target, result.error));
    },
  });
}

/** A zod failure as the `validation-failed` problem that names each field (for routes that parse by hand). */
export function invalid(target: string, error: z.ZodError): CommonProblem {
  return validationFailed(
    target,
    error.issues.map((issue) => ({
      field: issue.path.join("."),
      // zod words a missing field as a type error; say what the client needs to hear.
      message: /received undefined$/.test(issue.message) ? "is required" : issue.message,
    })),
  );
}

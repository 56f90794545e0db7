import { OpenAPIHono } from "@hono/zod-openapi";
import { raise, validationFailed } from "../problems.ts";
import type { AppEnv } from "./app-env.ts";

/**
 * A router whose request validation failures become `validation-failed` problems naming each
 * field, through the same error path as every other problem.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      raise(
        validationFailed(
          result.target === "json" ? "body" : result.target,
          result.error.issues.map((issue) => ({
            field: issue.path.join("."),
            // zod words a missing field as a type error; say what the client needs to hear.
            message: /received undefined$/.test(issue.message) ? "is required" : issue.message,
          })),
        ),
      );
    },
  });
}

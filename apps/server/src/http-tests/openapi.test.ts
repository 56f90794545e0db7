import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/index.ts";

interface Operation {
  security?: unknown[];
  responses: Record<string, unknown>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

const PUBLIC = new Set([
  "get /",
  "get /healthz",
  "get /readyz",
  "get /openapi.json",
  "get /api/setup",
  "post /api/setup",
  "post /api/auth/login",
]);

describe("the OpenAPI document", () => {
  let server: TestServer;
  let document: Document;
  beforeAll(async () => {
    server = await startTestServer();
    document = (await server.client().get<Document>("/openapi.json")).body;
  });
  afterAll(() => server.close());

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
    );

  it("is OpenAPI 3.1 and lists every route of the contract", () => {
    expect(document.openapi).toBe("3.1.0");
    const listed = operations().map(({ method, path }) => `${method} ${path}`);
    expect(listed.sort()).toEqual(
      [
        ...PUBLIC,
        "post /api/auth/logout",
        "get /api/auth/me",
        "patch /api/auth/me",
        "post /api/auth/password",
        "post /api/api-keys",
        "get /api/api-keys",
        "delete /api/api-keys/{id}",
        "post /api/admin/users",
        "get /api/admin/users",
        "patch /api/admin/users/{id}",
        "get /api/admin/users/{id}/limits",
        "patch /api/admin/users/{id}/limits",
        "get /api/limits",
        "get /api/usage",
        "get /api/search",
        "get /api/memory/settings",
        "patch /api/memory/settings",
        "get /api/memories",
        "post /api/memories",
        "delete /api/memories",
        "get /api/memories/export",
        "patch /api/memories/{id}",
        "delete /api/memories/{id}",
        "get /api/admin/jobs",
        "get /api/admin/jobs/{id}",
        "post /api/admin/jobs/{id}/retry",
        "get /api/admin/rate-limit-profiles",
        "post /api/admin/rate-limit-profiles",
        "patch /api/admin/rate-limit-profiles/{id}",
        "delete /api/admin/rate-limit-profiles/{id}",
        "put /api/admin/rate-limit-assignments",
        "get /api/models",
        "get /api/admin/providers",
        "post /api/admin/providers",
        "get /api/admin/providers/{id}",
        "patch /api/admin/providers/{id}",
        "delete /api/admin/providers/{id}",
        "post /api/admin/providers/{id}/test",
        "post /api/admin/models/pulls",
        "get /api/admin/models/pulls",
        "get /api/admin/models/pulls/{id}",
        "delete /api/admin/models/pulls/{id}",
        "get /api/admin/models/pulls/{id}/events",
        "get /api/admin/local-models",
        "get /api/admin/model-settings/{id}",
        "put /api/admin/model-settings/{id}",
        "delete /api/admin/model-settings/{id}",
        "get /api/admin/local-models/{id}",
        "post /api/admin/local-models/load",
        "post /api/admin/local-models/unload",
        "delete /api/admin/local-models/{id}",
        "get /api/tools",
        "get /metrics",
        "get /api/assistants",
        "post /api/assistants",
        "get /api/assistants/{id}",
        "patch /api/assistants/{id}",
        "delete /api/assistants/{id}",
        "post /api/conversations",
        "get /api/conversations",
        "get /api/conversations/{id}",
        "patch /api/conversations/{id}",
        "delete /api/conversations/{id}",
        "post /api/conversations/{id}/restore",
        "post /api/conversations/{id}/messages",
        "get /api/conversations/{id}/messages",
        "get /api/conversations/{id}/tree",
        "get /api/conversations/{id}/summaries",
        "get /api/conversations/{id}/summaries/{summaryId}",
        "get /api/conversations/{id}/events",
        "patch /api/messages/{id}",
        "post /api/messages/{id}/regenerate",
        "post /api/messages/{id}/cancel",
        "post /api/messages/{id}/activate",
        "get /v1/models",
        "get /v1/models/{id}",
        "post /v1/chat/completions",
        "post /v1/completions",
        "post /v1/embeddings",
        "post /v1/responses",
      ].sort(),
    );
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(["bearerApiKey", "sessionCookie"]);
    expect(document.components.schemas).toHaveProperty("Problem");
  });

  it("publishes every pattern as a bare ECMAScript regex that compiles with the u flag (issue #4)", () => {
    const patterns: string[] = [];
    const collect = (node: unknown): void => {
      if (typeof node !== "object" || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === "pattern" && typeof value === "string") patterns.push(value);
        else collect(value);
      }
    };
    collect(document);
    expect(patterns.length).toBeGreaterThan(0);
    expect(patterns).toContain("^\\P{Cc}*$");
    for (const pattern of patterns) {
      expect(pattern, "no JS slashes or flags").not.toMatch(/\/[dgimsuvy]*$/);
      expect(() => new RegExp(pattern, "u"), pattern).not.toThrow();
    }
  });

  it("marks exactly the public routes as needing no credentials, and the rest answer 401 without one", async () => {
    for (const { method, path, operation } of operations()) {
      const key = `${method} ${path}`;
      if (PUBLIC.has(key)) {
        expect(operation.security, key).toBeUndefined();
        continue;
      }
      // Admin-only operations name the role (OpenAPI 3.1 allows roles in non-OAuth requirements).
      const roles = path.startsWith("/api/admin/") || path === "/metrics" ? ["admin"] : [];
      expect(operation.security, key).toEqual([{ sessionCookie: roles }, { bearerApiKey: roles }]);
      const url = path.replace("{id}", "00000000-0000-4000-8000-000000000000");
      const response = await server.client().request(method.toUpperCase(), url, method === "get" ? {} : { json: {} });
      expect(response.status, key).toBe(401);
    }
  });
});

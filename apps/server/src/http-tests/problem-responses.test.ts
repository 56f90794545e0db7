import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpOf } from "../problems/to-http.ts";
import { findUndeclaredProblem, type UndeclaredProblem } from "../problems/undeclared-problems.ts";
import { startTestServer, type TestServer } from "../testing/index.ts";

type Code = Parameters<typeof httpOf>[0];
interface Response {
  description: string;
  content?: Record<
    string,
    { schema: { $ref?: string; allOf?: [{ $ref: string }, { properties: { code: { enum: Code[] } } }] } }
  >;
}
interface Operation {
  responses: Record<string, Response>;
  "x-hearth-problems": Code[];
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

/**
 * Issue 10 §1: routes declare the problem codes they can answer with, and /openapi.json derives their
 * error responses from those codes through the one status table (problems/to-http.ts).
 */
describe("error responses in /openapi.json, derived from problem codes", () => {
  let server: TestServer;
  let document: Document;
  beforeAll(async () => {
    server = await startTestServer();
    document = (await server.client().get<Document>("/openapi.json")).body;
  });
  afterAll(() => server.close());

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ key: `${method} ${path}`, path, operation })),
    );
  const errorResponses = (operation: Operation) =>
    Object.entries(operation.responses).filter(([status, response]) => Number(status) >= 400 && !isReadiness(response));
  // /readyz answers 503 with its own body while starting, draining or cut off: a state, not a problem.
  const isReadiness = (response: Response) => response.description === "Not ready";

  it("gives each status of an operation's codes one response, and no error response without a code", () => {
    for (const { key, operation } of operations()) {
      const codes = operation["x-hearth-problems"];
      expect(codes, key).toContain("internal-error");
      const statuses = [...new Set(codes.map((code) => String(httpOf(code).status)))].sort();
      expect(
        errorResponses(operation)
          .map(([status]) => status)
          .sort(),
        key,
      ).toEqual(statuses);
    }
  });

  it("narrows the problem's code under /api to the codes of each status, and names them", () => {
    for (const { key, path, operation } of operations()) {
      if (path.startsWith("/v1/")) continue;
      const listed: Code[] = [];
      for (const [status, response] of errorResponses(operation)) {
        const schema = response.content?.["application/problem+json"]?.schema;
        expect(schema?.allOf?.[0], key).toEqual({ $ref: "#/components/schemas/Problem" });
        const codes = schema?.allOf?.[1].properties.code.enum ?? [];
        for (const code of codes) {
          expect(String(httpOf(code).status), `${key} ${code}`).toBe(status);
          expect(response.description, key).toContain(`\`${code}\``);
        }
        listed.push(...codes);
      }
      expect(listed.sort(), key).toEqual([...operation["x-hearth-problems"]].sort());
    }
  });

  it("answers /v1 errors with OpenAI's error body, at the statuses of its codes", () => {
    const v1 = operations().filter(({ path }) => path.startsWith("/v1/"));
    expect(v1.length).toBeGreaterThan(0);
    for (const { key, operation } of v1) {
      for (const [, response] of errorResponses(operation)) {
        expect(response.content, key).toEqual({
          "application/json": { schema: { $ref: "#/components/schemas/OpenAiError" } },
        });
      }
    }
    expect(document.paths["/v1/chat/completions"]?.post?.["x-hearth-problems"]).toContain("context-length-exceeded");
  });

  it("says that edit and regenerate can answer 503 when the model or the engine is unavailable", () => {
    for (const [path, method] of [
      ["/api/messages/{id}", "patch"],
      ["/api/messages/{id}/regenerate", "post"],
      ["/api/conversations/{id}/messages", "post"],
    ] as const) {
      const operation = document.paths[path]?.[method] as Operation;
      expect(operation["x-hearth-problems"]).toEqual(
        expect.arrayContaining(["model-unavailable", "engine-unavailable"]),
      );
      expect(operation.responses["503"]?.content?.["application/problem+json"]?.schema.allOf?.[1]).toEqual({
        type: "object",
        properties: {
          code: {
            type: "string",
            enum: ["engine-unavailable", "model-unavailable", "node-draining", "service-starting"],
          },
        },
        required: ["code"],
      });
    }
  });

  it("adds the middleware's codes: authentication, CSRF on mutations, the admin role, the body's checks", () => {
    const problemsOf = (path: string, method: string) => document.paths[path]?.[method]?.["x-hearth-problems"];
    expect(problemsOf("/api/conversations/{id}", "get")).toEqual([
      "conversation-not-found",
      "internal-error",
      "node-draining",
      "payload-too-large",
      "service-starting",
      "unauthenticated",
      "validation-failed",
    ]);
    expect(problemsOf("/api/conversations/{id}", "patch")).toEqual(
      expect.arrayContaining(["csrf-token-invalid", "malformed-json", "unsupported-media-type", "unknown-tool"]),
    );
    expect(problemsOf("/api/admin/users", "get")).toContain("admin-required");
    expect(problemsOf("/api/conversations", "get")).not.toContain("admin-required");
    expect(problemsOf("/healthz", "get")).toEqual(["internal-error"]);
  });

  it("finds a problem the matched route does not declare, naming the route as the document does", async () => {
    const found: (UndeclaredProblem | undefined)[] = [];
    const app = new Hono();
    app.get("/api/conversations/:id", (c) => {
      found.push(findUndeclaredProblem(document, c, "conversation-not-found"));
      found.push(findUndeclaredProblem(document, c, "last-admin"));
      return c.body(null, 204);
    });
    app.get("/v1/models/:id{.+}", (c) => {
      found.push(findUndeclaredProblem(document, c, "unknown-model"));
      found.push(findUndeclaredProblem(document, c, "reply-finished"));
      return c.body(null, 204);
    });
    await app.request("/api/conversations/00000000-0000-4000-8000-000000000000");
    await app.request("/v1/models/local/tiny-chat");
    expect(found).toEqual([
      undefined,
      { method: "GET", route: "/api/conversations/{id}", code: "last-admin" },
      undefined,
      { method: "GET", route: "/v1/models/{id}", code: "reply-finished" },
    ]);
  });

  it("records nothing for the problems real requests get from routes that declare them", async () => {
    const client = server.client();
    expect((await client.get("/api/conversations")).status).toBe(401);
    expect((await client.post("/api/setup", { email: "not an email" })).status).toBe(400);
    expect((await client.get("/api/no-such-route")).status).toBe(404);
    expect(server.undeclaredProblems).toEqual([]);
  });
});

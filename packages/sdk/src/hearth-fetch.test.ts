import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHearthClient, type HearthClient } from "./create-hearth-client.ts";

/** One scripted answer: a problem with its status (and Retry-After), a dropped connection, or the models. */
type Answer = { status: number; code: string; retryAfter?: string } | "drop" | "ok";

/**
 * A stand-in Hearth for what the real one cannot be made to answer on demand (503 service-starting
 * while it starts, 429 with Retry-After): it speaks the same problem+json over HTTP, answering each
 * request with the next scripted answer, and records the requests.
 */
function startScriptedServer() {
  const script: Answer[] = [];
  const requests: string[] = [];
  const bodies: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      bodies.push(body);
      answer(response, script.shift() ?? "ok");
    });
  });
  return { server, script, requests, bodies };
}

function answer(response: ServerResponse, next: Answer): void {
  if (next === "drop") {
    response.socket?.destroy();
    return;
  }
  if (next === "ok") {
    response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ data: [] }));
    return;
  }
  const headers: Record<string, string> = { "Content-Type": "application/problem+json" };
  if (next.retryAfter !== undefined) headers["Retry-After"] = next.retryAfter;
  const problem = { type: "about:blank", title: "Not now", status: next.status, detail: "Try later.", code: next.code };
  response.writeHead(next.status, headers).end(JSON.stringify(problem));
}

describe("the SDK's retries", () => {
  const { server, script, requests, bodies } = startScriptedServer();
  let client: HearthClient;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    client = createHearthClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: "hk_test", maxRetryDelayMs: 1000 });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    script.length = 0;
    requests.length = 0;
    bodies.length = 0;
  });

  it("tries a GET again after 503 service-starting, and after 429 with Retry-After", async () => {
    script.push(
      { status: 503, code: "service-starting", retryAfter: "0" },
      { status: 429, code: "rate-limited", retryAfter: "0" },
    );
    const result = await client.api.GET("/api/models");
    expect(result.response.status).toBe(200);
    expect(requests).toEqual(["GET /api/models", "GET /api/models", "GET /api/models"]);
  });

  it("tries a GET again after a dropped connection", async () => {
    script.push("drop");
    expect((await client.api.GET("/api/models")).response.status).toBe(200);
    expect(requests).toHaveLength(2);
  });

  it("gives up after its retries and answers the last problem", async () => {
    script.push(...Array.from({ length: 3 }, () => ({ status: 503, code: "service-starting", retryAfter: "0" })));
    const result = await client.api.GET("/api/models");
    expect(result.error?.code).toBe("service-starting");
    expect(requests).toHaveLength(3);
  });

  it("takes the answer as it is: another 503, a 429 without Retry-After, or one asking too long a wait", async () => {
    script.push(
      { status: 503, code: "engine-unavailable", retryAfter: "0" },
      { status: 429, code: "rate-limited" },
      { status: 429, code: "rate-limited", retryAfter: "3600" },
    );
    for (const code of ["engine-unavailable", "rate-limited", "rate-limited"]) {
      expect(((await client.api.GET("/api/models")).error as { code: string } | undefined)?.code).toBe(code);
    }
    expect(requests).toHaveLength(3);
  });

  it("never tries a POST again: not after 503 service-starting, 429 with Retry-After, or a dropped connection", async () => {
    script.push(
      { status: 503, code: "service-starting", retryAfter: "0" },
      { status: 429, code: "rate-limited", retryAfter: "0" },
    );
    const body = { title: "Once" };
    expect((await client.api.POST("/api/conversations", { body })).error?.code).toBe("service-starting");
    expect((await client.api.POST("/api/conversations", { body })).error?.code).toBe("rate-limited");
    script.push("drop");
    await expect(client.api.POST("/api/conversations", { body })).rejects.toThrow();
    expect(requests).toEqual(Array.from({ length: 3 }, () => "POST /api/conversations"));
  });

  it("sends any request again, its body included, after 503 node-draining: the node did nothing of it", async () => {
    script.push({ status: 503, code: "node-draining", retryAfter: "0" }, { status: 503, code: "node-draining" });
    const body = { title: "Again" };
    expect((await client.api.POST("/api/conversations", { body })).response.status).toBe(200);
    expect(requests).toEqual(Array.from({ length: 3 }, () => "POST /api/conversations"));
    expect(bodies).toEqual(Array.from({ length: 3 }, () => JSON.stringify(body)));
  });
});

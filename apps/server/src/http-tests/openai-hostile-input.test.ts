import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInUser, type TestResponse } from "../testing/index.ts";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const user = (content: unknown) => ({ role: "user", content });

describe("/v1 against hostile input", () => {
  let hearth: OpenAiTestServer;
  const responses: TestResponse[] = [];
  const send = async (
    body: unknown,
    options: { raw?: string; headers?: Record<string, string>; key?: string } = {},
  ) => {
    const headers = { Authorization: `Bearer ${options.key ?? hearth.apiKey}`, ...options.headers };
    const response = await hearth.server.client().request<OpenAiErrorBody>("POST", "/v1/chat/completions", {
      headers: { "Content-Type": "application/json", ...headers },
      body: options.raw ?? JSON.stringify(body),
    });
    responses.push(response);
    return response;
  };
  const completion = (fields: Record<string, unknown>) => ({ model: TEST_MODEL, max_tokens: 2, ...fields });

  beforeAll(async () => {
    hearth = await startOpenAiTestServer({ server: { bodyLimitBytes: 1024 * 1024 } });
  });
  afterAll(async () => {
    // Whatever came in, the server answered it without failing itself.
    expect(responses.filter((response) => response.status >= 500).map((response) => response.text)).toEqual([]);
    await hearth.close();
  });

  it("answers malformed JSON with OpenAI's error shape", async () => {
    const response = await send(undefined, { raw: '{"model": "local/tiny-chat", "messages": [' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: { message: expect.any(String), type: "invalid_request_error", param: null, code: "malformed_json" },
    });
  });

  it.each([
    ["messages", { model: TEST_MODEL }],
    ["messages", completion({ messages: "string" })],
    ["messages.0", completion({ messages: [123] })],
    ["messages.0.role", completion({ messages: [{}] })],
    ["messages.0.role", completion({ messages: [{ role: 123 }] })],
    ["messages.0.content", completion({ messages: [{ role: "system", content: 123 }] })],
    ["messages", completion({ messages: [] })],
    ["model", { messages: [user("hi")], model: 5 }],
    ["temperature", completion({ messages: [user("hi")], temperature: "hot" })],
    ["max_tokens", completion({ messages: [user("hi")], max_tokens: -1 })],
    ["stream", completion({ messages: [user("hi")], stream: "yes" })],
    ["stop", completion({ messages: [user("hi")], stop: 5 })],
    ["messages.0.content", completion({ messages: [user([{ type: "image_url", image_url: { url: "x" } }])] })],
    ["messages.0.tool_call_id", completion({ messages: [{ role: "tool", content: "4", tool_call_id: "call_1" }] })],
    [
      "response_format.schema",
      completion({ messages: [user("hi")], response_format: { type: "json_object", schema: { type: "hiccup" } } }),
    ],
    [
      "response_format.schema",
      completion({ messages: [user("hi")], response_format: { type: "json_object", schema: 123 } }),
    ],
    ["response_format.type", completion({ messages: [user("hi")], response_format: { type: "sound" } })],
    ["tool_choice", completion({ messages: [user("hi")], tool_choice: "required" })],
  ])("names the field at fault (%s) when a request has the wrong shape", async (param, body) => {
    const response = await send(body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: "invalid_request_error", param });
  });

  it("ignores the fields it has no use for", async () => {
    const response = await send(
      completion({
        messages: [{ ...user("hi"), name: "ada" }],
        frequency_penalty: 0.5,
        presence_penalty: 0.5,
        logit_bias: { 42: -100 },
        user: "someone",
        store: false,
        metadata: { anything: "at all" },
        some_future_field: { nested: [1, 2, 3] },
      }),
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ object: "chat.completion" });
  });

  it("takes extreme values that are valid: the largest seed, a max_tokens past the context", async () => {
    const response = await send(
      completion({ messages: [user("hi")], seed: Number.MAX_SAFE_INTEGER, max_tokens: 1_000_000, temperature: 2 }),
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ choices: [{ finish_reason: "length" }] });
  });

  it("refuses a body over the limit in OpenAI's shape, closing the connection it left unread", async () => {
    const response = await send(completion({ messages: [user("a".repeat(1024 * 1024))] }));
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({ type: "invalid_request_error", code: "payload_too_large" });
    // Node drops the connection soon after; a client that reused it saw its next request fail.
    expect(response.headers.get("connection")).toBe("close");
  });

  it("refuses a message that cannot fit the model's context as context_length_exceeded", async () => {
    const response = await send(completion({ messages: [user("é".repeat(400_000))] }));
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ param: "messages", code: "context_length_exceeded" });
    expect(response.body.error.message).toContain("512");
  });

  it("refuses 10,000 short messages as context_length_exceeded", async () => {
    const messages = Array.from({ length: 10_000 }, (_, index) => user(`message ${index}`));
    const response = await send(completion({ messages }));
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("context_length_exceeded");
  });

  it("writes a reply to text holding NUL, lone surrogates and control characters", async () => {
    const response = await send(undefined, {
      raw: `{"model":"${TEST_MODEL}","max_tokens":2,"messages":[{"role":"user","content":"a\\u0000b\\ud800c\\u001bd"}]}`,
    });
    expect(response.status).toBe(200);
  });

  it("answers a body that is not JSON with 415 in OpenAI's shape", async () => {
    const response = await send(undefined, { raw: "model=x", headers: { "Content-Type": "text/plain" } });
    expect(response.status).toBe(415);
    expect(response.body.error).toMatchObject({ type: "invalid_request_error", code: "unsupported_media_type" });
  });

  it("answers unknown /v1 routes with 404 in OpenAI's shape", async () => {
    const client = hearth.server.client();
    for (const [method, path] of [
      ["GET", "/v1/nothing-here"],
      ["GET", "/v1/chat/completions"],
      ["DELETE", "/v1/models/local/tiny-chat"],
    ] as const) {
      const response = await client.request<OpenAiErrorBody>(method, path, {
        headers: { Authorization: `Bearer ${hearth.apiKey}` },
      });
      expect(response.status, path).toBe(404);
      expect(response.body.error, path).toMatchObject({ type: "not_found_error", code: "route_not_found" });
    }
  });

  it("refuses requests without credentials, and session requests without their CSRF token", async () => {
    const anonymous = await hearth.server.client().get<OpenAiErrorBody>("/v1/models");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toMatchObject({ type: "authentication_error", code: "missing_api_key" });
    const bySession = await hearth.admin.get<{ data: unknown[] }>("/v1/models");
    expect(bySession.status).toBe(200);
    const withoutCsrf = await hearth.admin.post<OpenAiErrorBody>(
      "/v1/chat/completions",
      completion({ messages: [user("hi")] }),
      { csrf: false },
    );
    expect(withoutCsrf.status).toBe(403);
    expect(withoutCsrf.body.error.type).toBe("permission_error");
  });

  it("lets another user's key reach only that user's own: no admin routes, and nothing once revoked", async () => {
    const { client: bob } = await signedInUser(hearth.server, hearth.admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    const created = await bob.post<{ id: string; key: string }>("/api/api-keys", { name: "bob's" });
    const asBob = hearth.server.client();
    const headers = { Authorization: `Bearer ${created.body.key}` };
    expect((await asBob.get("/v1/models", { headers })).status).toBe(200);
    expect((await asBob.get("/api/admin/users", { headers })).status).toBe(403);
    expect((await asBob.get("/api/api-keys", { headers })).body).toMatchObject({ data: [{ name: "bob's" }] });
    expect((await bob.delete(`/api/api-keys/${created.body.id}`)).status).toBe(204);
    const revoked = await send(completion({ messages: [user("hi")] }), { key: created.body.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
  });
});

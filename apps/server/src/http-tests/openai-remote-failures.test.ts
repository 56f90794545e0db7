/**
 * How /v1 answers when a model fails: before its first chunk (an HTTP error with a status) and after
 * it (an error event that ends the stream). The local engine cannot be made to fail mid-reply on
 * demand, so the failing model is a remote one: a stand-in server that speaks OpenAI's protocol over
 * HTTP and breaks its connection after two chunks.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createParser } from "eventsource-parser";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OpenAiTestServer, startOpenAiTestServer } from "../testing/openai-test-server.ts";

const chunk = (delta: object) => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1745920000,
  model: "gpt-flaky",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
});

/** An OpenAI-compatible server with one model, whose replies break off after two chunks. */
function startBreakingServer(): Promise<Server> {
  const server = createServer((request, response) => {
    request.resume();
    if (request.method === "GET" && request.url === "/v1/models") {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(
        JSON.stringify({ object: "list", data: [{ id: "gpt-flaky", object: "model", created: 0, owned_by: "test" }] }),
      );
      return;
    }
    response.writeHead(200, { "Content-Type": "text/event-stream" });
    response.write(`data: ${JSON.stringify(chunk({ role: "assistant", content: "" }))}\n\n`);
    response.write(`data: ${JSON.stringify(chunk({ content: "Once upon" }))}\n\n`);
    setTimeout(() => response.socket?.destroy(), 50);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("/v1 when a model fails", () => {
  let remote: Server;
  let hearth: OpenAiTestServer;
  let openai: OpenAI;
  const messages = [{ role: "user" as const, content: "Tell me a story." }];

  beforeAll(async () => {
    remote = await startBreakingServer();
    const { port } = remote.address() as AddressInfo;
    hearth = await startOpenAiTestServer({
      models: {
        providers: [
          {
            id: "flaky",
            kind: "openai-compatible",
            baseUrl: `http://127.0.0.1:${port}/v1`,
            timeoutSeconds: 5,
            enabled: true,
          },
          // Nothing listens on port 9: connections are refused.
          { id: "down", kind: "openai-compatible", baseUrl: "http://127.0.0.1:9/v1", timeoutSeconds: 5, enabled: true },
        ],
      },
    });
    openai = hearth.openai();
  });
  afterAll(async () => {
    await hearth.close();
    remote.closeAllConnections();
    await new Promise((resolve) => remote.close(resolve));
  });

  it("lists only the models that can be used now", async () => {
    const ids = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(["flaky/gpt-flaky", "local/tiny-chat"]);
  });

  it("ends a stream that fails after its first chunks with an error event, and no [DONE]", async () => {
    const response = await fetch(`${hearth.server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${hearth.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "flaky/gpt-flaky", messages, stream: true }),
    });
    expect(response.status).toBe(200);
    const data: string[] = [];
    createParser({ onEvent: (event) => data.push(event.data) }).feed(await response.text());
    expect(JSON.parse(data[0] as string).choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(JSON.parse(data[1] as string).choices[0].delta).toEqual({ content: "Once upon" });
    expect(JSON.parse(data.at(-1) as string)).toEqual({
      error: {
        message: expect.stringContaining("The model failed"),
        type: "server_error",
        param: null,
        code: "model_failed",
      },
    });
    expect(data).not.toContain("[DONE]");
  });

  it("makes the openai client's stream throw with the error", async () => {
    const stream = await openai.chat.completions.create({ model: "flaky/gpt-flaky", messages, stream: true });
    const read = async () => {
      for await (const _ of stream) {
        // Reads to the end, or the failure.
      }
    };
    await expect(read()).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it("answers 503 for a whole reply that failed midway", async () => {
    const attempt = openai.chat.completions.create({ model: "flaky/gpt-flaky", messages });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(attempt).rejects.toMatchObject({ status: 503, type: "server_error", code: "model_unavailable" });
  });

  it.each([false, true])(
    "answers 503 before any chunk when the provider cannot be reached (stream: %s)",
    async (stream) => {
      const attempt = openai.chat.completions.create({ model: "down/gpt-anything", messages, stream });
      await expect(attempt).rejects.toMatchObject({
        status: 503,
        code: "model_unavailable",
        error: { message: expect.stringContaining("down/gpt-anything") },
      });
    },
  );

  it("answers 404 for a model the remote provider does not have", async () => {
    const attempt = openai.chat.completions.create({ model: "flaky/gpt-missing", messages });
    await expect(attempt).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});

import type { RequestListener } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { StreamPart } from "../spec/language-model.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { ProviderUnavailableError } from "../spec/provider-unavailable-error.ts";
import { startOpenAIProtocolReplay } from "../testing/openai-protocol-replay.ts";
import { startHttpServer, type TestHttpServer } from "../testing/start-http-server.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";

const API_KEY = "sk-hearth-secret-0123456789";
const question = { prompt: [{ role: "user" as const, content: [{ type: "text" as const, text: "Hi" }] }] };
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(listener: RequestListener): Promise<TestHttpServer> {
  const server = await startHttpServer(listener);
  servers.push(server);
  return server;
}

/** A server that lists `gpt-test` and answers chat requests with `chat`. */
const listingThen =
  (chat: RequestListener): RequestListener =>
  (request, response) => {
    if (request.url === "/v1/models") {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ object: "list", data: [{ id: "gpt-test", object: "model" }] }));
      return;
    }
    chat(request, response);
  };

const providerAt = (url: string, timeoutMs = 5000) =>
  createOpenAICompatibleProvider({ id: "remote", baseUrl: `${url}/v1`, apiKey: API_KEY, timeoutMs });

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error("expected a failure");
  expect(`${outcome.message} ${String(outcome.cause ?? "")}`).not.toContain(API_KEY);
  return outcome;
}

describe("createOpenAICompatibleProvider when the server fails", () => {
  it("reports a refused connection with the address", async () => {
    const server = await startHttpServer(() => {});
    await server.close();
    const failure = await failureOf(providerAt(server.url).listModels());
    expect(failure).toBeInstanceOf(ProviderUnavailableError);
    expect((failure as ProviderUnavailableError).reason).toBe(`Connection refused at ${server.url}/v1.`);
  });

  it("gives up on a listing that never answers after its timeout", async () => {
    const server = await serve(() => {});
    const failure = await failureOf(providerAt(server.url, 200).listModels());
    expect(failure).toBeInstanceOf(ProviderUnavailableError);
    expect((failure as ProviderUnavailableError).reason).toBe(`${server.url}/v1 did not answer within 200 ms.`);
  });

  it("gives up on a reply that never starts after its timeout, before any part", async () => {
    const server = await serve(listingThen(() => {}));
    const model = await providerAt(server.url, 200).languageModel("gpt-test");
    const failure = await failureOf(collect(model.doStream(question)));
    expect((failure as ProviderUnavailableError).reason).toBe(`${server.url}/v1 did not answer within 200 ms.`);
  });

  it("says an HTML page is not the API, for a listing and for a reply", async () => {
    const html: RequestListener = (_request, response) => {
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<!doctype html><title>Router login</title>");
    };
    const htmlServer = await serve(html);
    const listing = await failureOf(providerAt(htmlServer.url).listModels());
    expect((listing as ProviderUnavailableError).reason).toMatch(/answered an HTML page that is not a model list/);
    const chatServer = await serve(listingThen(html));
    const model = await providerAt(chatServer.url).languageModel("gpt-test");
    const reply = await failureOf(collect(model.doStream(question)));
    expect((reply as ProviderUnavailableError).reason).toMatch(
      /answered an HTML page where an OpenAI-compatible API streams/,
    );
  });

  it("says malformed JSON is not the API", async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"object": "list", "data": [');
    });
    const failure = await failureOf(providerAt(server.url).listModels());
    expect((failure as ProviderUnavailableError).reason).toMatch(/answered malformed JSON/);
  });

  it("reports a server error with its status and message, the API key redacted", async () => {
    const server = await serve(
      listingThen((_request, response) => {
        response.writeHead(500, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { message: `upstream rejected key ${API_KEY}`, type: "server_error" } }));
      }),
    );
    const model = await providerAt(server.url).languageModel("gpt-test");
    const failure = await failureOf(collect(model.doStream(question)));
    expect(failure).toBeInstanceOf(ProviderUnavailableError);
    expect((failure as ProviderUnavailableError).reason).toBe(
      `${server.url}/v1 answered 500: upstream rejected key [redacted].`,
    );
  });

  it("sends the API key as a Bearer token and keeps it out of a refusal", async () => {
    const authorizations: (string | undefined)[] = [];
    const server = await serve((request, response) => {
      authorizations.push(request.headers.authorization);
      response.writeHead(401, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ error: { message: `Incorrect API key provided: ${API_KEY}.`, code: "invalid_api_key" } }),
      );
    });
    const failure = await failureOf(providerAt(server.url).listModels());
    expect(authorizations).toEqual([`Bearer ${API_KEY}`]);
    expect((failure as ProviderUnavailableError).reason).toBe(`${server.url}/v1 refused the API key (401).`);
  });

  it("turns a 404 for the model of a reply into NoSuchModelError", async () => {
    const server = await serve(
      listingThen((_request, response) => {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ error: { message: "model 'gpt-test' not found", type: "not_found_error" } }));
      }),
    );
    const model = await providerAt(server.url).languageModel("gpt-test");
    const failure = await failureOf(collect(model.doStream(question)));
    expect(failure).toBeInstanceOf(NoSuchModelError);
  });
});

describe("createOpenAICompatibleProvider when a reply is cut short", () => {
  const firstWords = {
    data: { choices: [{ index: 0, delta: { role: "assistant", content: "Once upon" }, finish_reason: null }] },
  };

  it("ends a stream that breaks mid-reply with finish error and a readable reason", async () => {
    const replay = await startOpenAIProtocolReplay(["gpt-test"]);
    servers.push(replay);
    replay.script = [firstWords, { breakConnection: true }];
    const model = await providerAt(replay.url).languageModel("gpt-test");
    const parts = await collect(model.doStream(question));
    expect(parts[0]).toEqual({ type: "text-delta", text: "Once upon" });
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "error" });
    expect((parts.at(-1) as { error: string }).error).toBe(
      `${replay.url}/v1 closed the connection before its answer was complete.`,
    );
  });

  it("ends a stream that goes silent mid-reply with finish error once the timeout passes", async () => {
    const replay = await startOpenAIProtocolReplay(["gpt-test"]);
    servers.push(replay);
    replay.script = [firstWords, { pause: true }];
    const model = await providerAt(replay.url, 300).languageModel("gpt-test");
    const parts = await collect(model.doStream(question));
    expect(parts).toEqual([
      { type: "text-delta", text: "Once upon" },
      {
        type: "finish",
        finishReason: "error",
        usage: { inputTokens: 0, outputTokens: 0 },
        error: `${replay.url}/v1 sent nothing for 300 ms.`,
      },
    ]);
    await vi.waitFor(() => expect(replay.abandonedReplies).toBe(1));
  });

  it("rejects a reply whose headers come but whose first chunk never does", async () => {
    const replay = await startOpenAIProtocolReplay(["gpt-test"]);
    servers.push(replay);
    replay.script = [{ pause: true }];
    const model = await providerAt(replay.url, 300).languageModel("gpt-test");
    const failure = await failureOf(collect(model.doStream(question)));
    expect((failure as ProviderUnavailableError).reason).toBe(`${replay.url}/v1 did not answer within 300 ms.`);
  });

  it("does not count the time the caller holds a part as the provider's silence", async () => {
    const replay = await startOpenAIProtocolReplay(["gpt-test"]);
    servers.push(replay);
    replay.script = [firstWords, { data: { choices: [{ index: 0, delta: {}, finish_reason: "stop" }] } }];
    const model = await providerAt(replay.url, 200).languageModel("gpt-test");
    const parts: StreamPart[] = [];
    for await (const part of model.doStream(question)) {
      parts.push(part);
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "stop" });
  });

  it("ends a stream whose events turn into garbage with finish error", async () => {
    const replay = await startOpenAIProtocolReplay(["gpt-test"]);
    servers.push(replay);
    replay.script = [firstWords, { data: "{not json" }];
    const model = await providerAt(replay.url).languageModel("gpt-test");
    const parts = await collect(model.doStream(question));
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      finishReason: "error",
      error: expect.stringMatching(/malformed JSON/),
    });
  });

  it("rejects a reply whose first event is an error, with the server's message", async () => {
    const replay = await startOpenAIProtocolReplay(["gpt-test"]);
    servers.push(replay);
    replay.script = [{ data: { error: { message: "context length exceeded", type: "invalid_request_error" } } }];
    const model = await providerAt(replay.url).languageModel("gpt-test");
    const failure = await failureOf(collect(model.doStream(question)));
    expect((failure as ProviderUnavailableError).reason).toBe(`${replay.url}/v1 reported: context length exceeded`);
  });

  it("ends with finish error naming an error event that comes mid-reply", async () => {
    const replay = await startOpenAIProtocolReplay(["gpt-test"]);
    servers.push(replay);
    replay.script = [firstWords, { data: { error: { message: "the engine crashed", type: "server_error" } } }];
    const model = await providerAt(replay.url).languageModel("gpt-test");
    const parts = await collect(model.doStream(question));
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      finishReason: "error",
      error: `${replay.url}/v1 reported: the engine crashed`,
    });
  });

  it("ends with abort when the caller aborts mid-reply, and the request is closed", async () => {
    const replay = await startOpenAIProtocolReplay(["gpt-test"]);
    servers.push(replay);
    replay.script = [firstWords, { pause: true }];
    const model = await providerAt(replay.url).languageModel("gpt-test");
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of model.doStream({ ...question, abortSignal: controller.signal })) {
      parts.push(part);
      if (part.type === "text-delta") controller.abort();
    }
    expect(parts).toEqual([
      { type: "text-delta", text: "Once upon" },
      { type: "finish", finishReason: "abort", usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
    await vi.waitFor(() => expect(replay.abandonedReplies).toBe(1));
  });

  it("ends with abort, not a failure, when the caller aborts before the reply starts", async () => {
    const server = await serve(listingThen(() => {}));
    const model = await providerAt(server.url).languageModel("gpt-test");
    const controller = new AbortController();
    const stream = model.doStream({ ...question, abortSignal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await collect(stream)).toEqual([
      { type: "finish", finishReason: "abort", usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
  });
});

import type { RequestListener } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { StreamPart } from "../spec/language-model.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { ProviderUnavailableError } from "../spec/provider-unavailable-error.ts";
import { type StandInModel, type StandInStep, startOllamaStandIn } from "../testing/ollama-stand-in.ts";
import { startHttpServer, type TestHttpServer } from "../testing/start-http-server.ts";
import { createOllamaProvider } from "./ollama-provider.ts";

const API_KEY = "ollama-secret-key-0123456789";
const question = { prompt: [{ role: "user" as const, content: [{ type: "text" as const, text: "Hi" }] }] };
const model: StandInModel = {
  name: "llama3.2:latest",
  capabilities: ["completion", "tools"],
  architecture: "llama",
  contextLength: 131072,
  family: "llama",
  parameterSize: "3.2B",
  quantizationLevel: "Q4_K_M",
  sizeBytes: 2_019_393_189,
};
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(listener: RequestListener): Promise<TestHttpServer> {
  const server = await startHttpServer(listener);
  servers.push(server);
  return server;
}

async function standInWith(models: StandInModel[] = [model]) {
  const standIn = await startOllamaStandIn(models);
  servers.push(standIn);
  return standIn;
}

const providerAt = (host: string, timeoutMs = 5000) =>
  createOllamaProvider({ id: "ollama", host, apiKey: API_KEY, timeoutMs });

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ProviderUnavailableError);
  const failure = outcome as ProviderUnavailableError;
  expect(`${failure.message} ${String(failure.cause ?? "")}`).not.toContain(API_KEY);
  return failure.reason;
}

describe("createOllamaProvider when the server fails", () => {
  it("reports a refused connection with the address", async () => {
    const server = await startHttpServer(() => {});
    await server.close();
    expect(await reasonOf(providerAt(server.url).listModels())).toBe(`Connection refused at ${server.url}.`);
  });

  it("gives up on a listing that never answers after its timeout", async () => {
    const server = await serve(() => {});
    expect(await reasonOf(providerAt(server.url, 200).listModels())).toBe(
      `${server.url} did not answer within 200 ms.`,
    );
  });

  it("gives up on a reply that never starts after its timeout, before any part", async () => {
    const standIn = await standInWith();
    standIn.reply = [{ pause: true }];
    const languageModel = await providerAt(standIn.url, 200).languageModel("llama3.2:latest");
    expect(await reasonOf(collect(languageModel.doStream(question)))).toBe(
      `${standIn.url} did not answer within 200 ms.`,
    );
  });

  it("says an HTML page is not Ollama's API", async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end("<!doctype html><title>Welcome to nginx!</title>");
    });
    expect(await reasonOf(providerAt(server.url).listModels())).toBe(
      `${server.url} answered an HTML page where Ollama's API answers JSON: check the address.`,
    );
  });

  it("says malformed JSON is not Ollama's API", async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end('{"models": [');
    });
    expect(await reasonOf(providerAt(server.url).listModels())).toBe(
      `${server.url} answered malformed JSON, not Ollama's API.`,
    );
  });

  it("reports a server error with its status and message, the API key redacted", async () => {
    const server = await serve((_request, response) => {
      response.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      response.end(JSON.stringify({ error: `runner failed for key ${API_KEY}` }));
    });
    expect(await reasonOf(providerAt(server.url).listModels())).toBe(
      `${server.url} answered 500: runner failed for key [redacted].`,
    );
  });

  it("sends the API key as a Bearer token and keeps it out of a refusal", async () => {
    const authorizations = new Set<string | undefined>();
    const server = await serve((request, response) => {
      authorizations.add(request.headers.authorization);
      response.writeHead(401, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: `unauthorized: ${API_KEY}` }));
    });
    expect(await reasonOf(providerAt(server.url).listModels())).toBe(`${server.url} refused the API key (401).`);
    expect([...authorizations]).toEqual([`Bearer ${API_KEY}`]);
  });

  it("turns a 404 for a model removed after the listing into NoSuchModelError", async () => {
    const models = [model];
    const standIn = await standInWith(models);
    const languageModel = await providerAt(standIn.url).languageModel("llama3.2:latest");
    models.pop(); // `ollama rm` between the listing and the reply
    await expect(collect(languageModel.doStream(question))).rejects.toBeInstanceOf(NoSuchModelError);
  });
});

describe("createOllamaProvider when a reply is cut short", () => {
  async function replyWith(steps: StandInStep[]) {
    const standIn = await standInWith();
    standIn.reply = steps;
    const languageModel = await providerAt(standIn.url).languageModel("llama3.2:latest");
    return { standIn, parts: await collect(languageModel.doStream(question)) };
  }

  it("ends a stream that breaks mid-reply with finish error and a readable reason", async () => {
    const { standIn, parts } = await replyWith([{ text: "Once upon" }, { breakConnection: true }]);
    expect(parts[0]).toEqual({ type: "text-delta", text: "Once upon" });
    expect(parts.at(-1)).toMatchObject({ type: "finish", finishReason: "error" });
    expect((parts.at(-1) as { error: string }).error).toMatch(
      new RegExp(`^${standIn.url} (closed the connection|ended its stream)`),
    );
  });

  it("ends a stream that goes silent mid-reply with finish error once the timeout passes", async () => {
    const standIn = await standInWith();
    standIn.reply = [{ text: "Once upon" }, { pause: true }];
    const languageModel = await providerAt(standIn.url, 300).languageModel("llama3.2:latest");
    const parts = await collect(languageModel.doStream(question));
    expect(parts).toEqual([
      { type: "text-delta", text: "Once upon" },
      {
        type: "finish",
        finishReason: "error",
        usage: { inputTokens: 0, outputTokens: 0 },
        error: `${standIn.url} sent nothing for 300 ms.`,
      },
    ]);
    await vi.waitFor(() => expect(standIn.abandonedReplies).toBe(1));
  });

  it("ends with finish error naming Ollama's own error line", async () => {
    const { standIn, parts } = await replyWith([
      { text: "Once" },
      { errorLine: "model runner has unexpectedly stopped" },
    ]);
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      finishReason: "error",
      error: `${standIn.url} reported: model runner has unexpectedly stopped`,
    });
  });

  it("ends with finish error when a line of the stream is not JSON", async () => {
    const { standIn, parts } = await replyWith([{ text: "Once" }, { rawLine: "<html>502 Bad Gateway</html>" }]);
    expect(parts.at(-1)).toMatchObject({
      type: "finish",
      finishReason: "error",
      error: `${standIn.url} streamed a line that is not JSON, which Ollama's API never does.`,
    });
  });

  it("ends with abort when the caller aborts mid-reply, and the request is closed", async () => {
    const standIn = await standInWith();
    standIn.reply = [{ text: "Once upon" }, { pause: true }];
    const languageModel = await providerAt(standIn.url).languageModel("llama3.2:latest");
    const controller = new AbortController();
    const parts: StreamPart[] = [];
    for await (const part of languageModel.doStream({ ...question, abortSignal: controller.signal })) {
      parts.push(part);
      if (part.type === "text-delta") controller.abort();
    }
    expect(parts).toEqual([
      { type: "text-delta", text: "Once upon" },
      { type: "finish", finishReason: "abort", usage: { inputTokens: 0, outputTokens: 0 } },
    ]);
    await vi.waitFor(() => expect(standIn.abandonedReplies).toBe(1));
  });

  it("closes the request when the caller stops reading early", async () => {
    const standIn = await standInWith();
    standIn.reply = [{ text: "Once upon" }, { pause: true }];
    const languageModel = await providerAt(standIn.url).languageModel("llama3.2:latest");
    for await (const part of languageModel.doStream(question)) if (part.type === "text-delta") break;
    await vi.waitFor(() => expect(standIn.abandonedReplies).toBe(1));
  });
});

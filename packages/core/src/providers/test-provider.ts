/**
 * @module For tests: a small OpenAI-compatible models endpoint on a real node:http server, and a
 * provider factory whose providers list models by asking it over HTTP, sending their API key the
 * way OpenAI-compatible clients do. Not a model: it answers only what these tests need.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type LanguageModel,
  type ModelDescriptor,
  type ModelProvider,
  NoSuchModelError,
  ProviderUnavailableError,
} from "@hearth/engine/spec";
import type { ProviderFactory } from "./configured-providers.ts";
import type { ProviderSettings } from "./schema.ts";

export interface ModelServer {
  /** The base URL, as an admin would give it (`http://127.0.0.1:<port>/v1`). */
  baseUrl: string;
  /** The models it lists; tests may change them. */
  models: string[];
  /** The API key it requires (`Authorization: Bearer <key>`); none when undefined. */
  apiKey: string | undefined;
  /** When true, requests are held unanswered (a provider that hangs). */
  isHanging: boolean;
  /** The Authorization headers it received, oldest first. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

export async function startModelServer(options: { models: string[]; apiKey?: string }): Promise<ModelServer> {
  const state: ModelServer = {
    baseUrl: "",
    models: options.models,
    apiKey: options.apiKey,
    isHanging: false,
    authorizations: [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = createServer((request, response) => {
    state.authorizations.push(request.headers.authorization);
    if (state.isHanging) return;
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.method !== "GET" || request.url !== "/v1/models") {
      send(404, { error: { message: "Not found", type: "invalid_request_error", code: null, param: null } });
    } else if (state.apiKey !== undefined && request.headers.authorization !== `Bearer ${state.apiKey}`) {
      // As OpenAI answers a wrong key: its message quotes (part of) the key it was given.
      const given = request.headers.authorization?.replace(/^Bearer /, "") ?? "";
      send(401, { error: { message: `Incorrect API key provided: ${given}.`, type: "invalid_request_error" } });
    } else {
      const data = state.models.map((id) => ({ id, object: "model", created: 0, owned_by: "test" }));
      send(200, { object: "list", data });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}

export interface TestProviderFactory extends ProviderFactory {
  /** Every provider built, oldest first, with its settings and whether it was closed. */
  built: { settings: ProviderSettings; isClosed: boolean }[];
}

/** A factory whose providers list the models of the server at their base URL. */
export function testProviderFactory(): TestProviderFactory {
  const built: TestProviderFactory["built"] = [];
  const factory = (settings: ProviderSettings): ModelProvider => {
    const record = { settings, isClosed: false };
    built.push(record);
    const listModels = async (options?: { abortSignal?: AbortSignal }): Promise<ModelDescriptor[]> => {
      const headers: Record<string, string> = settings.apiKey ? { Authorization: `Bearer ${settings.apiKey}` } : {};
      let response: Response;
      try {
        response = await fetch(`${settings.baseUrl}/models`, { headers, signal: options?.abortSignal ?? null });
      } catch (error) {
        throw new ProviderUnavailableError(settings.id, `Cannot reach ${settings.baseUrl}.`, { cause: error });
      }
      const body = (await response.json()) as { data?: { id: string }[]; error?: { message: string } };
      if (!response.ok)
        throw new ProviderUnavailableError(settings.id, body.error?.message ?? `HTTP ${response.status}`);
      return (body.data ?? []).map((model) => ({
        id: model.id,
        capabilities: { chat: true, embeddings: false, tools: "none", vision: false },
      }));
    };
    const find = async (modelId: string) => {
      const models = (await listModels()).map((model) => model.id);
      if (!models.includes(modelId)) throw new NoSuchModelError(modelId, models);
    };
    return {
      id: settings.id,
      kind: settings.kind,
      listModels,
      async languageModel(modelId): Promise<LanguageModel> {
        await find(modelId);
        return {
          provider: settings.id,
          modelId,
          contextWindow: () => Promise.reject(new Error("The test provider has no context window.")),
          async *doStream() {
            yield {
              type: "finish",
              finishReason: "error",
              usage: { inputTokens: 0, outputTokens: 0 },
              error: "The test provider does not generate.",
            };
          },
        };
      },
      async embeddingModel(modelId) {
        await find(modelId);
        throw new NoSuchModelError(modelId, []);
      },
      async close() {
        record.isClosed = true;
      },
    };
  };
  return Object.assign(factory, { built });
}

/**
 * @module A stand-in for an Ollama server, for tests: it speaks Ollama's documented API
 * (docs/api.md of ollama/ollama) over real HTTP — /api/tags, /api/show, /api/ps, /api/chat (NDJSON
 * streaming) and /api/embed — with scripted replies instead of a model. Ollama itself cannot run here.
 */
import type { ServerResponse } from "node:http";
import { readJsonBody, startHttpServer, type TestHttpServer } from "./start-http-server.ts";

export interface StandInModel {
  name: string;
  /** Ollama's capabilities: completion, tools, vision, embedding, thinking. */
  capabilities: string[];
  architecture: string;
  contextLength: number;
  family: string;
  parameterSize: string;
  quantizationLevel: string;
  sizeBytes: number;
  isLoaded?: boolean;
}

/**
 * One step of a scripted chat reply. A reply without a `done` step ends with done_reason "stop";
 * `pause` sends nothing more (not even headers, as the first step) until the client goes away.
 */
export type StandInStep =
  | { text: string }
  | { toolCall: { name: string; arguments: Record<string, unknown> } }
  | { done: { doneReason: string; promptEvalCount: number; evalCount: number } }
  | { errorLine: string }
  | { rawLine: string }
  | { pause: true }
  | { breakConnection: true };

interface StandInRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface OllamaStandIn extends TestHttpServer {
  readonly requests: StandInRequest[];
  /** The steps of every chat reply from now on. */
  reply: StandInStep[];
  /** Paused replies whose client went away (aborted). */
  readonly abandonedReplies: number;
}

const DEFAULT_REPLY: StandInStep[] = [{ text: "Hello" }, { text: " there." }];
const createdAt = () => new Date().toISOString();
const digestOf = (name: string) => Buffer.from(name).toString("hex").padEnd(64, "0").slice(0, 64);
const details = (model: StandInModel) => ({
  parent_model: "",
  format: "gguf",
  family: model.family,
  families: [model.family],
  parameter_size: model.parameterSize,
  quantization_level: model.quantizationLevel,
});
const listEntry = (model: StandInModel) => ({
  name: model.name,
  model: model.name,
  modified_at: "2025-05-01T10:00:00.000000000Z",
  size: model.sizeBytes,
  digest: digestOf(model.name),
  details: details(model),
});
const show = (model: StandInModel) => ({
  license: "",
  modelfile: `FROM ${model.name}`,
  parameters: 'stop "<|eot_id|>"',
  template: "{{ .Prompt }}",
  details: details(model),
  model_info: {
    "general.architecture": model.architecture,
    "general.parameter_count": 1_000_000,
    [`${model.architecture}.context_length`]: model.contextLength,
    [`${model.architecture}.embedding_length`]: 4,
  },
  capabilities: model.capabilities,
  modified_at: "2025-05-01T10:00:00.000000000Z",
});

/** A deterministic vector of 4 numbers for a text. */
const embed = (text: string) => [text.length, Buffer.byteLength(text), text.charCodeAt(0) || 0, 1];

async function streamReply(
  response: ServerResponse,
  model: string,
  steps: readonly StandInStep[],
  onAbandoned: () => void,
) {
  // Headers go with the first line, as Ollama's do: a reply that pauses first never starts.
  const write = (text: string) => {
    if (!response.headersSent) response.writeHead(200, { "content-type": "application/x-ndjson" });
    response.write(text);
  };
  const line = (value: object) => write(`${JSON.stringify({ model, created_at: createdAt(), ...value })}\n`);
  let done = { doneReason: "stop", promptEvalCount: 12, evalCount: steps.length };
  for (const step of steps) {
    if ("pause" in step) {
      response.on("close", onAbandoned);
      return;
    }
    if ("breakConnection" in step) {
      response.socket?.destroy();
      return;
    }
    if ("errorLine" in step) {
      write(`${JSON.stringify({ error: step.errorLine })}\n`);
      response.end();
      return;
    }
    if ("rawLine" in step) write(`${step.rawLine}\n`);
    else if ("done" in step) done = step.done;
    else if ("text" in step) line({ message: { role: "assistant", content: step.text }, done: false });
    else line({ message: { role: "assistant", content: "", tool_calls: [{ function: step.toolCall }] }, done: false });
    await new Promise((resolve) => setImmediate(resolve));
  }
  line({
    message: { role: "assistant", content: "" },
    done: true,
    done_reason: done.doneReason,
    total_duration: 1_000_000,
    load_duration: 100_000,
    prompt_eval_count: done.promptEvalCount,
    prompt_eval_duration: 200_000,
    eval_count: done.evalCount,
    eval_duration: 700_000,
  });
  response.end();
}

/** Starts a stand-in that holds `models` (the array is read at each request: tests may remove a model). */
export async function startOllamaStandIn(models: readonly StandInModel[]): Promise<OllamaStandIn> {
  const requests: StandInRequest[] = [];
  const state = { reply: DEFAULT_REPLY, abandonedReplies: 0 };
  const server = await startHttpServer(async (request, response) => {
    const body = (await readJsonBody(request)) as Record<string, unknown> | undefined;
    const path = new URL(request.url ?? "/", "http://stand-in").pathname;
    requests.push({ method: request.method ?? "GET", path, authorization: request.headers.authorization, body });
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      response.end(JSON.stringify(value));
    };
    const name = String(body?.model ?? body?.name ?? "");
    const model = models.find((entry) => entry.name === name || entry.name === `${name}:latest`);
    if (request.method === "GET" && path === "/api/tags") return send(200, { models: models.map(listEntry) });
    if (request.method === "GET" && path === "/api/ps")
      return send(200, {
        models: models
          .filter((entry) => entry.isLoaded)
          .map((entry) => ({ ...listEntry(entry), expires_at: "2099-01-01T00:00:00Z", size_vram: entry.sizeBytes })),
      });
    if (request.method === "POST" && path === "/api/show")
      return model ? send(200, show(model)) : send(404, { error: `model '${name}' not found` });
    if (request.method === "POST" && path === "/api/chat") {
      if (!model) return send(404, { error: `model "${name}" not found, try pulling it first` });
      if (!model.capabilities.includes("completion")) return send(400, { error: `"${name}" does not support chat` });
      if (body?.tools && !model.capabilities.includes("tools"))
        return send(400, { error: `registry.ollama.ai/library/${name} does not support tools` });
      return streamReply(response, model.name, state.reply, () => state.abandonedReplies++);
    }
    if (request.method === "POST" && path === "/api/embed") {
      if (!model) return send(404, { error: `model "${name}" not found, try pulling it first` });
      if (!model.capabilities.includes("embedding"))
        return send(400, { error: `"${name}" does not support embeddings` });
      const input = Array.isArray(body?.input) ? (body.input as string[]) : [String(body?.input ?? "")];
      return send(200, {
        model: model.name,
        embeddings: input.map(embed),
        total_duration: 1000,
        load_duration: 100,
        prompt_eval_count: input.length,
      });
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("404 page not found");
  });
  return {
    url: server.url,
    close: server.close,
    requests,
    get reply() {
      return state.reply;
    },
    set reply(steps) {
      state.reply = steps;
    },
    get abandonedReplies() {
      return state.abandonedReplies;
    },
  };
}

/**
 * @module A protocol replay of an OpenAI-compatible server, for tests: not a model. It answers
 * `GET /models`, `POST /embeddings` and `POST /chat/completions` over real HTTP, and streams chat
 * replies by replaying server-sent events transcribed from OpenAI's API reference (a text reply, and
 * two parallel tool calls whose arguments arrive in pieces; the text reply with each token's log
 * probabilities when the request asks for them, as OpenAI sends them). Tests can script other replies: a pause
 * (the client must abort) or a connection that breaks.
 */
import type { ServerResponse } from "node:http";
import { readJsonBody, startHttpServer, type TestHttpServer } from "./start-http-server.ts";

/** One step of a scripted chat reply: an event's data, a pause until the client leaves, or a broken connection. */
type ReplayStep = { data: unknown } | { pause: true } | { breakConnection: true };

interface ReplayedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface OpenAIProtocolReplay extends TestHttpServer {
  readonly requests: ReplayedRequest[];
  /** Replaces the recorded replies for the next chat requests; `undefined` restores them. */
  script: ReplayStep[] | undefined;
  /** Paused replies whose client went away (aborted). */
  readonly abandonedReplies: number;
}

const chunk = (delta: object, finishReason: string | null = null) => ({
  id: "chatcmpl-BQ3nqJ5Uq1xGmC7Tn2cA8xVvW0e4Z",
  object: "chat.completion.chunk",
  created: 1745920000,
  model: "gpt-4.1-mini-2025-04-14",
  service_tier: "default",
  system_fingerprint: "fp_6f2eabb9a5",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  usage: null,
});

const usageChunk = (promptTokens: number, completionTokens: number) => ({
  ...chunk({}),
  choices: [],
  usage: {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
});

const argumentsPiece = (index: number, text: string) =>
  chunk({ tool_calls: [{ index, function: { arguments: text } }] });

/** A text reply: "Hello! How can I help?". */
const RECORDED_TEXT_REPLY: ReplayStep[] = [
  { data: chunk({ role: "assistant", content: "", refusal: null }) },
  { data: chunk({ content: "Hello" }) },
  { data: chunk({ content: "! How" }) },
  { data: chunk({ content: " can I help?" }) },
  { data: chunk({}, "stop") },
  { data: usageChunk(19, 8) },
  { data: "[DONE]" },
];

/** The log probabilities of one chunk's tokens, as OpenAI sends them, with `top` alternatives each. */
const chunkLogprobs = (tokens: readonly [token: string, logprob: number][], top: number) => ({
  content: tokens.map(([token, logprob]) => ({
    token,
    logprob,
    bytes: [...Buffer.from(token)],
    // The token itself is the likeliest; the alternatives are each a little less likely.
    top_logprobs: [token, "Hi", " there", "?"].slice(0, top).map((alternative, rank) => ({
      token: alternative,
      logprob: rank === 0 ? logprob : logprob - rank,
      bytes: [...Buffer.from(alternative)],
    })),
  })),
  refusal: null,
});

/** The text reply with `logprobs: true`: every content chunk says its tokens' log probabilities. */
const textReplyWithLogprobs = (top: number): ReplayStep[] => {
  const withLogprobs = (content: string, tokens: [string, number][]) => ({
    ...chunk({ content }),
    choices: [{ index: 0, delta: { content }, logprobs: chunkLogprobs(tokens, top), finish_reason: null }],
  });
  return [
    { data: chunk({ role: "assistant", content: "", refusal: null }) },
    { data: withLogprobs("Hello", [["Hello", -0.31725305]]) },
    {
      data: withLogprobs("! How", [
        ["!", -0.02380986],
        [" How", -0.000003650519],
      ]),
    },
    {
      data: withLogprobs(" can I help?", [
        [" can", -0.0000034121115],
        [" I", -5.5122365e-7],
        [" help", -0.00000728],
        ["?", -0.0000021008714],
      ]),
    },
    { data: chunk({}, "stop") },
    { data: usageChunk(19, 8) },
    { data: "[DONE]" },
  ];
};

/** Two parallel tool calls: get_weather {"location":"Paris"} and get_time {}. */
const RECORDED_TOOL_CALLS_REPLY: ReplayStep[] = [
  {
    data: chunk({
      role: "assistant",
      content: null,
      tool_calls: [
        {
          index: 0,
          id: "call_DdmO9pD3xa9XTPNJ32zg2hcA",
          type: "function",
          function: { name: "get_weather", arguments: "" },
        },
      ],
      refusal: null,
    }),
  },
  { data: argumentsPiece(0, '{"lo') },
  { data: argumentsPiece(0, 'cation":"') },
  { data: argumentsPiece(0, 'Paris"}') },
  {
    data: chunk({
      tool_calls: [
        {
          index: 1,
          id: "call_Kx1hU0TbqXoJ3G8wCz5yRn2M",
          type: "function",
          function: { name: "get_time", arguments: "" },
        },
      ],
    }),
  },
  { data: argumentsPiece(1, "{}") },
  { data: chunk({}, "tool_calls") },
  { data: usageChunk(82, 41) },
  { data: "[DONE]" },
];

async function play(response: ServerResponse, steps: readonly ReplayStep[], onAbandoned: () => void): Promise<void> {
  response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  response.flushHeaders();
  for (const step of steps) {
    if ("pause" in step) {
      // The connection stays open until the client aborts or the server closes.
      response.on("close", onAbandoned);
      return;
    }
    if ("breakConnection" in step) {
      response.socket?.destroy();
      return;
    }
    response.write(`data: ${typeof step.data === "string" ? step.data : JSON.stringify(step.data)}\n\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

/** Starts a replay that lists `modelIds` (each given a context length of 32768) and answers as described above. */
export async function startOpenAIProtocolReplay(modelIds: readonly string[]): Promise<OpenAIProtocolReplay> {
  const requests: ReplayedRequest[] = [];
  const state: { script: ReplayStep[] | undefined; abandonedReplies: number } = {
    script: undefined,
    abandonedReplies: 0,
  };
  const server = await startHttpServer(async (request, response) => {
    const body = await readJsonBody(request);
    const path = new URL(request.url ?? "/", "http://replay").pathname;
    requests.push({ method: request.method ?? "GET", path, authorization: request.headers.authorization, body });
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    const model = (body as { model?: string } | undefined)?.model;
    if (path === "/v1/models")
      return send(200, {
        object: "list",
        data: modelIds.map((id) => ({
          id,
          object: "model",
          created: 1745000000,
          owned_by: "hearth-tests",
          context_length: 32768,
        })),
      });
    if ((path === "/v1/chat/completions" || path === "/v1/embeddings") && !modelIds.includes(model ?? ""))
      return send(404, {
        error: {
          message: `The model \`${model}\` does not exist or you do not have access to it.`,
          type: "invalid_request_error",
          param: null,
          code: "model_not_found",
        },
      });
    if (path === "/v1/embeddings") {
      const input = (body as { input: string[] }).input;
      return send(200, {
        object: "list",
        model,
        data: input.map((text, index) => ({ object: "embedding", index, embedding: [text.length, index, 0.5] })),
        usage: { prompt_tokens: input.length, total_tokens: input.length },
      });
    }
    if (path === "/v1/chat/completions") {
      const request = body as { tools?: unknown[]; logprobs?: boolean; top_logprobs?: number };
      const recorded = Array.isArray(request.tools)
        ? RECORDED_TOOL_CALLS_REPLY
        : request.logprobs === true
          ? textReplyWithLogprobs(request.top_logprobs ?? 0)
          : RECORDED_TEXT_REPLY;
      return play(response, state.script ?? recorded, () => {
        state.abandonedReplies++;
      });
    }
    send(404, { error: { message: `Unknown path ${path}`, type: "invalid_request_error", param: null, code: null } });
  });
  return {
    url: server.url,
    close: server.close,
    requests,
    get script() {
      return state.script;
    },
    set script(steps) {
      state.script = steps;
    },
    get abandonedReplies() {
      return state.abandonedReplies;
    },
  };
}

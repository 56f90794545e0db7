import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CallOptions, StreamPart } from "../spec/language-model.ts";
import type { ModelProvider } from "../spec/model-provider.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { type OpenAIProtocolReplay, startOpenAIProtocolReplay } from "../testing/openai-protocol-replay.ts";
import { createOpenAICompatibleProvider } from "./openai-compatible-provider.ts";

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const question: CallOptions = { prompt: [{ role: "user", content: [{ type: "text", text: "Hello?" }] }] };

describe("createOpenAICompatibleProvider against a protocol replay of OpenAI's API", () => {
  let replay: OpenAIProtocolReplay;
  let provider: ModelProvider;
  beforeAll(async () => {
    replay = await startOpenAIProtocolReplay(["gpt-4.1-mini", "text-embedding-3-small"]);
    provider = createOpenAICompatibleProvider({
      id: "openai",
      baseUrl: `${replay.url}/v1`,
      apiKey: "sk-test-key",
      timeoutMs: 5000,
    });
  });
  afterAll(async () => {
    await provider.close();
    await replay.close();
  });

  it("lists the server's models with their context length and what their names say they do", async () => {
    const models = await provider.listModels();
    expect(models).toEqual([
      {
        id: "gpt-4.1-mini",
        capabilities: { chat: true, embeddings: false, tools: "native", vision: false, contextLength: 32768 },
        details: { ownedBy: "hearth-tests" },
      },
      {
        id: "text-embedding-3-small",
        capabilities: { chat: false, embeddings: true, tools: "native", vision: false, contextLength: 32768 },
        details: { ownedBy: "hearth-tests" },
      },
    ]);
    expect(replay.requests.at(-1)?.authorization).toBe("Bearer sk-test-key");
  });

  it("streams a text reply as text deltas and a finish with the usage the server counted", async () => {
    const model = await provider.languageModel("gpt-4.1-mini");
    const parts = await collect(model.doStream(question));
    expect(parts).toEqual([
      { type: "text-delta", text: "Hello" },
      { type: "text-delta", text: "! How" },
      { type: "text-delta", text: " can I help?" },
      { type: "finish", finishReason: "stop", usage: { inputTokens: 19, outputTokens: 8 } },
    ]);
  });

  it("asks for log probabilities when wanted, and passes each token's on with its text", async () => {
    const model = await provider.languageModel("gpt-4.1-mini");
    const parts = await collect(model.doStream({ ...question, topLogprobs: 2 }));
    expect(replay.requests.at(-1)?.body).toMatchObject({ logprobs: true, top_logprobs: 2 });
    const deltas = parts.filter((part) => part.type === "text-delta");
    expect(deltas.map((part) => part.text).join("")).toBe("Hello! How can I help?");
    expect(deltas.flatMap((part) => part.logprobs ?? []).map((token) => token.token)).toEqual([
      "Hello",
      "!",
      " How",
      " can",
      " I",
      " help",
      "?",
    ]);
    expect(deltas[0]?.logprobs?.[0]).toEqual({
      token: "Hello",
      logprob: -0.31725305,
      bytes: [72, 101, 108, 108, 111],
      topLogprobs: [
        { token: "Hello", logprob: -0.31725305, bytes: [72, 101, 108, 108, 111] },
        { token: "Hi", logprob: -1.31725305, bytes: [72, 105] },
      ],
    });
    // Only the log probability of each token: no alternatives asked for, none sent.
    await collect(model.doStream({ ...question, topLogprobs: 0 }));
    expect(replay.requests.at(-1)?.body).toMatchObject({ logprobs: true });
    expect(replay.requests.at(-1)?.body).not.toHaveProperty("top_logprobs");
  });

  it("streams parallel tool calls: argument pieces as they come, then each complete call", async () => {
    const model = await provider.languageModel("gpt-4.1-mini");
    const tools = [
      { name: "get_weather", inputSchema: { type: "object", properties: { location: { type: "string" } } } },
      { name: "get_time", inputSchema: { type: "object" } },
    ];
    const parts = await collect(model.doStream({ ...question, tools }));
    const weather = { toolCallId: "call_DdmO9pD3xa9XTPNJ32zg2hcA", toolName: "get_weather" };
    const time = { toolCallId: "call_Kx1hU0TbqXoJ3G8wCz5yRn2M", toolName: "get_time" };
    expect(parts).toEqual([
      { type: "tool-input-delta", ...weather, delta: '{"lo' },
      { type: "tool-input-delta", ...weather, delta: 'cation":"' },
      { type: "tool-input-delta", ...weather, delta: 'Paris"}' },
      { type: "tool-input-delta", ...time, delta: "{}" },
      { type: "tool-call", ...weather, input: '{"location":"Paris"}' },
      { type: "tool-call", ...time, input: "{}" },
      { type: "finish", finishReason: "tool-calls", usage: { inputTokens: 82, outputTokens: 41 } },
    ]);
  });

  it("sends the conversation, sampling, response format and tools as OpenAI's request fields", async () => {
    const model = await provider.languageModel("gpt-4.1-mini");
    await collect(
      model.doStream({
        prompt: [
          { role: "system", content: "Be brief." },
          { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
          {
            role: "assistant",
            content: [
              { type: "text", text: "Let me look." },
              { type: "tool-call", toolCallId: "call_1", toolName: "get_weather", input: '{"location":"Paris"}' },
            ],
          },
          {
            role: "tool",
            content: [
              { type: "tool-result", toolCallId: "call_1", toolName: "get_weather", output: "timeout", isError: true },
            ],
          },
          {
            role: "user",
            content: [
              { type: "text", text: "Part one." },
              { type: "text", text: "Part two." },
            ],
          },
        ],
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        minP: 0.05,
        repeatPenalty: 1.1,
        seed: 7,
        stopSequences: ["END"],
        maxOutputTokens: 64,
        responseFormat: { type: "json", name: "answer", schema: { type: "object" } },
        tools: [{ name: "get_weather", description: "Weather now", inputSchema: { type: "object" } }],
        toolChoice: { type: "tool", toolName: "get_weather" },
        parallelToolCalls: false,
      }),
    );
    expect(replay.requests.at(-1)?.body).toEqual({
      model: "gpt-4.1-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: "Let me look.",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"location":"Paris"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "Error: timeout" },
        {
          role: "user",
          content: [
            { type: "text", text: "Part one." },
            { type: "text", text: "Part two." },
          ],
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: ["END"],
      max_tokens: 64,
      top_k: 40,
      min_p: 0.05,
      repeat_penalty: 1.1,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object" } } },
      tools: [
        {
          type: "function",
          function: { name: "get_weather", description: "Weather now", parameters: { type: "object" } },
        },
      ],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
    });
  });

  it("asks for a JSON object when JSON is wanted without a schema, and sends no sampling field left unset", async () => {
    const model = await provider.languageModel("gpt-4.1-mini");
    await collect(model.doStream({ ...question, responseFormat: { type: "json" } }));
    expect(replay.requests.at(-1)?.body).toEqual({
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: "Hello?" }],
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: "json_object" },
    });
  });

  it("estimates tokens by bytes, so the estimate never runs short of the model's count", async () => {
    const window = await (await provider.languageModel("gpt-4.1-mini")).contextWindow();
    expect(window).toMatchObject({ contextTokens: 32768, maxTokenBytes: 1, isExact: false });
    const message = { role: "user" as const, content: [{ type: "text" as const, text: "héllo" }] };
    const messageTokens = await window.countMessageTokens(message);
    expect(messageTokens).toBeGreaterThanOrEqual(Buffer.byteLength("héllo"));
    expect(await window.countPromptTokens([message, message])).toBeGreaterThan(2 * messageTokens);
  });

  it("embeds texts as float vectors, one per text in order", async () => {
    const model = await provider.embeddingModel("text-embedding-3-small");
    expect(await model.doEmbed(["a", "bcd"])).toEqual([
      [1, 0, 0.5],
      [3, 1, 0.5],
    ]);
    expect(replay.requests.at(-1)?.body).toEqual({
      model: "text-embedding-3-small",
      input: ["a", "bcd"],
      encoding_format: "float",
    });
  });

  it("refuses a model the server does not list, naming the ones it does", async () => {
    const failure = await provider.languageModel("gpt-9").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NoSuchModelError);
    expect((failure as NoSuchModelError).available).toEqual(["gpt-4.1-mini", "text-embedding-3-small"]);
  });

  it("refuses a tool choice naming a tool the call does not have, before sending anything", async () => {
    const model = await provider.languageModel("gpt-4.1-mini");
    const before = replay.requests.length;
    const tools = [{ name: "get_weather", inputSchema: { type: "object" } }];
    const failure = await collect(
      model.doStream({ ...question, tools, toolChoice: { type: "tool", toolName: "get_time" } }),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnsupportedCallOptionError);
    expect((failure as UnsupportedCallOptionError).option).toBe("toolChoice.toolName");
    expect(replay.requests.length).toBe(before);
  });

  it("sends no Authorization header when no API key is configured", async () => {
    const keyless = createOpenAICompatibleProvider({
      id: "local-server",
      baseUrl: `${replay.url}/v1`,
      timeoutMs: 5000,
    });
    await keyless.listModels();
    expect(replay.requests.at(-1)?.authorization).toBeUndefined();
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallOptions, StreamPart } from "../spec/language-model.ts";
import type { ModelProvider } from "../spec/model-provider.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { type OllamaStandIn, type StandInModel, startOllamaStandIn } from "../testing/ollama-stand-in.ts";
import { createOllamaProvider } from "./ollama-provider.ts";

const MODELS: StandInModel[] = [
  {
    name: "llama3.2:latest",
    capabilities: ["completion", "tools"],
    architecture: "llama",
    contextLength: 131072,
    family: "llama",
    parameterSize: "3.2B",
    quantizationLevel: "Q4_K_M",
    sizeBytes: 2_019_393_189,
    isLoaded: true,
  },
  {
    name: "llava:7b",
    capabilities: ["completion", "vision"],
    architecture: "llama",
    contextLength: 4096,
    family: "llama",
    parameterSize: "7B",
    quantizationLevel: "Q4_0",
    sizeBytes: 4_733_363_377,
  },
  {
    name: "nomic-embed-text:latest",
    capabilities: ["embedding"],
    architecture: "nomic-bert",
    contextLength: 2048,
    family: "nomic-bert",
    parameterSize: "137M",
    quantizationLevel: "F16",
    sizeBytes: 274_302_450,
  },
];

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

const question: CallOptions = { prompt: [{ role: "user", content: [{ type: "text", text: "Hello?" }] }] };

describe("createOllamaProvider against a stand-in speaking Ollama's API", () => {
  let standIn: OllamaStandIn;
  let provider: ModelProvider;
  beforeAll(async () => {
    standIn = await startOllamaStandIn(MODELS);
    provider = createOllamaProvider({ id: "ollama", host: standIn.url, keepAlive: "10m", timeoutMs: 5000 });
  });
  afterAll(async () => {
    await provider.close();
    await standIn.close();
  });
  beforeEach(() => {
    standIn.reply = [{ text: "Hello" }, { text: " there." }];
  });

  it("lists models with Ollama's details, capabilities, context length and whether each is loaded", async () => {
    const models = await provider.listModels();
    expect(models[0]).toEqual({
      id: "llama3.2:latest",
      capabilities: { chat: true, embeddings: false, tools: "native", vision: false, contextLength: 131072 },
      sizeBytes: 2_019_393_189,
      isLoaded: true,
      details: { family: "llama", parameterSize: "3.2B", quantizationLevel: "Q4_K_M", format: "gguf" },
    });
    expect(models[1]?.capabilities).toEqual({
      chat: true,
      embeddings: false,
      tools: "none",
      vision: true,
      contextLength: 4096,
    });
    expect(models[1]?.isLoaded).toBe(false);
    expect(models[2]?.capabilities).toEqual({
      chat: false,
      embeddings: true,
      tools: "none",
      vision: false,
      contextLength: 2048,
    });
  });

  it("asks /api/show once per model digest", async () => {
    await provider.listModels();
    const before = standIn.requests.length;
    await provider.listModels();
    expect(
      standIn.requests
        .slice(before)
        .map((request) => request.path)
        .sort(),
    ).toEqual(["/api/ps", "/api/tags"]);
  });

  it("streams a reply as text deltas and a finish with Ollama's token counts", async () => {
    standIn.reply = [
      { text: "Hello" },
      { text: " there." },
      { done: { doneReason: "stop", promptEvalCount: 26, evalCount: 2 } },
    ];
    const model = await provider.languageModel("llama3.2:latest");
    expect(await collect(model.doStream(question))).toEqual([
      { type: "text-delta", text: "Hello" },
      { type: "text-delta", text: " there." },
      { type: "finish", finishReason: "stop", usage: { inputTokens: 26, outputTokens: 2 } },
    ]);
  });

  it("emits a whole tool call with a made-up id, and finishes with tool-calls", async () => {
    standIn.reply = [{ toolCall: { name: "get_weather", arguments: { location: "Paris", unit: "celsius" } } }];
    const model = await provider.languageModel("llama3.2:latest");
    const tools = [{ name: "get_weather", inputSchema: { type: "object" } }];
    const parts = await collect(model.doStream({ ...question, tools }));
    expect(parts).toEqual([
      {
        type: "tool-call",
        toolCallId: expect.stringMatching(/^call_/),
        toolName: "get_weather",
        input: '{"location":"Paris","unit":"celsius"}',
      },
      { type: "finish", finishReason: "tool-calls", usage: { inputTokens: 12, outputTokens: 1 } },
    ]);
  });

  it("keeps only the first tool call when parallel tool calls are off (Ollama's API has no such switch)", async () => {
    standIn.reply = [
      { toolCall: { name: "get_weather", arguments: { location: "Paris" } } },
      { toolCall: { name: "get_weather", arguments: { location: "Lima" } } },
    ];
    const model = await provider.languageModel("llama3.2:latest");
    const tools = [{ name: "get_weather", inputSchema: { type: "object" } }];
    const both = await collect(model.doStream({ ...question, tools }));
    expect(both.filter((part) => part.type === "tool-call")).toHaveLength(2);
    const one = await collect(model.doStream({ ...question, tools, parallelToolCalls: false }));
    expect(one.filter((part) => part.type === "tool-call")).toEqual([
      expect.objectContaining({ toolName: "get_weather", input: '{"location":"Paris"}' }),
    ]);
    expect(one.at(-1)).toMatchObject({ type: "finish", finishReason: "tool-calls" });
  });

  it("sends messages, tools, the schema as format, sampling options, num_ctx and keep_alive", async () => {
    const model = await provider.languageModel("llama3.2:latest");
    await collect(
      model.doStream({
        prompt: [
          { role: "system", content: "Be brief." },
          {
            role: "user",
            content: [
              { type: "text", text: "Weather?" },
              { type: "text", text: "In Paris." },
            ],
          },
          {
            role: "assistant",
            content: [
              { type: "tool-call", toolCallId: "call_1", toolName: "get_weather", input: '{"location":"Paris"}' },
            ],
          },
          {
            role: "tool",
            content: [{ type: "tool-result", toolCallId: "call_1", toolName: "get_weather", output: "18 °C" }],
          },
        ],
        temperature: 0.3,
        topP: 0.8,
        topK: 30,
        minP: 0.05,
        repeatPenalty: 1.2,
        seed: 11,
        stopSequences: ["<end>"],
        maxOutputTokens: 100,
        responseFormat: { type: "json", schema: { type: "object", properties: { answer: { type: "string" } } } },
        tools: [{ name: "get_weather", description: "Weather now", inputSchema: { type: "object" } }],
      }),
    );
    expect(standIn.requests.at(-1)?.body).toEqual({
      model: "llama3.2:latest",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Weather?\n\nIn Paris." },
        {
          role: "assistant",
          content: "",
          tool_calls: [{ function: { name: "get_weather", arguments: { location: "Paris" } } }],
        },
        { role: "tool", content: "18 °C", tool_name: "get_weather" },
      ],
      stream: true,
      tools: [
        {
          type: "function",
          function: { name: "get_weather", description: "Weather now", parameters: { type: "object" } },
        },
      ],
      format: { type: "object", properties: { answer: { type: "string" } } },
      options: {
        num_ctx: 8192,
        temperature: 0.3,
        top_p: 0.8,
        top_k: 30,
        min_p: 0.05,
        repeat_penalty: 1.2,
        seed: 11,
        stop: ["<end>"],
        num_predict: 100,
      },
      keep_alive: "10m",
    });
  });

  it("asks for JSON without a schema as format json, and sends no tools when the choice is none", async () => {
    const model = await provider.languageModel("llama3.2:latest");
    const tools = [{ name: "get_weather", inputSchema: { type: "object" } }];
    await collect(model.doStream({ ...question, responseFormat: { type: "json" }, tools, toolChoice: "none" }));
    const body = standIn.requests.at(-1)?.body as Record<string, unknown>;
    expect(body.format).toBe("json");
    expect(body.tools).toBeUndefined();
  });

  it("refuses a tool choice that forces a call, which Ollama cannot do, before sending anything", async () => {
    const model = await provider.languageModel("llama3.2:latest");
    const before = standIn.requests.length;
    const tools = [{ name: "get_weather", inputSchema: { type: "object" } }];
    const failure = await collect(model.doStream({ ...question, tools, toolChoice: "required" })).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(UnsupportedCallOptionError);
    expect((failure as UnsupportedCallOptionError).option).toBe("toolChoice");
    expect(standIn.requests.length).toBe(before);
  });

  it("finishes with length when Ollama stopped at the token limit", async () => {
    standIn.reply = [{ text: "Once" }, { done: { doneReason: "length", promptEvalCount: 5, evalCount: 1 } }];
    const model = await provider.languageModel("llama3.2:latest");
    expect((await collect(model.doStream(question))).at(-1)).toEqual({
      type: "finish",
      finishReason: "length",
      usage: { inputTokens: 5, outputTokens: 1 },
    });
  });

  it("counts against the context it asks for, capped by the model's own, and asks for that", async () => {
    const model = await provider.languageModel("llava:7b");
    expect(await model.contextWindow()).toMatchObject({ contextTokens: 4096, maxTokenBytes: 1, isExact: false });
    await collect(model.doStream(question));
    expect(standIn.requests.at(-1)?.body).toMatchObject({ options: { num_ctx: 4096 } });
  });

  it("embeds texts through /api/embed, one vector per text", async () => {
    const model = await provider.embeddingModel("nomic-embed-text:latest");
    expect(await model.doEmbed(["ab", "é"])).toEqual([
      [2, 2, 97, 1],
      [1, 2, 233, 1],
    ]);
    expect(standIn.requests.at(-1)?.body).toEqual({
      model: "nomic-embed-text:latest",
      input: ["ab", "é"],
      keep_alive: "10m",
    });
  });

  it("refuses a chat with an embedding model and embeddings with a chat model, naming the models that can", async () => {
    const chat = await provider.languageModel("nomic-embed-text:latest").catch((error: unknown) => error);
    expect(chat).toBeInstanceOf(NoSuchModelError);
    expect((chat as NoSuchModelError).available).toEqual(["llama3.2:latest", "llava:7b"]);
    const embedding = await provider.embeddingModel("llama3.2:latest").catch((error: unknown) => error);
    expect((embedding as NoSuchModelError).available).toEqual(["nomic-embed-text:latest"]);
  });

  it("refuses a model the server does not have", async () => {
    await expect(provider.languageModel("mistral:latest")).rejects.toBeInstanceOf(NoSuchModelError);
  });
});

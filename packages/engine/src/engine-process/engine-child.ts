/**
 * @module The llama.cpp engine process: runs a LlamaCppProvider and answers Hearth over Node's IPC
 * channel (protocol.ts). EngineProcess starts it; see there for why the engine runs apart.
 */
import { LlamaCppProvider } from "../llama-cpp/llama-cpp-provider.ts";
import type { LanguageModel } from "../spec/language-model.ts";
import type { EngineCalls, EngineMethod, EngineSettings, FromEngine, ToEngine } from "./protocol.ts";
import { toWireError } from "./wire-error.ts";

const send = (message: FromEngine, then?: () => void) => {
  if (process.connected) process.send?.(message, undefined, {}, then);
};

/** Each method's handler; `signal` aborts when Hearth sends `abort` for the call (only embed heeds it). */
type Handlers = {
  [M in EngineMethod]: (signal: AbortSignal, ...args: EngineCalls[M]["args"]) => Promise<EngineCalls[M]["answer"]>;
};

function handlersFor(provider: LlamaCppProvider): Handlers {
  const model = (modelId: string): Promise<LanguageModel> => provider.languageModel(modelId);
  return {
    info: async () => provider.info(),
    queueDepth: () => provider.queueDepth(),
    listModels: () => provider.listModels(),
    findModel: async (_, modelId) => {
      await provider.languageModel(modelId);
      return null;
    },
    contextWindow: async (_, modelId) => {
      const { contextTokens, maxTokenBytes, isExact, tools } = await (await model(modelId)).contextWindow();
      return { contextTokens, maxTokenBytes, isExact, ...(tools === undefined ? {} : { tools }) };
    },
    countMessageTokens: async (_, modelId, message, stopAbove) =>
      (await (await model(modelId)).contextWindow()).countMessageTokens(message, stopAbove),
    countPromptTokens: async (_, modelId, prompt, stopAbove, tools) =>
      (await (await model(modelId)).contextWindow()).countPromptTokens(prompt, stopAbove, tools),
    loadModel: async (_, modelId) => {
      await provider.loadModel(modelId);
      return null;
    },
    unloadModel: (_, modelId) => provider.unloadModel(modelId),
    setModelSettings: async (_, settings) => {
      await provider.setModelSettings(settings);
      return null;
    },
    loadedModels: () => provider.loadedModels(),
    embed: async (signal, modelId, texts) =>
      (await provider.embeddingModel(modelId)).doEmbed(texts, { abortSignal: signal }),
    close: async () => {
      await provider.close();
      return null;
    },
  };
}

async function stream(
  provider: LlamaCppProvider,
  message: Extract<ToEngine, { kind: "stream" }>,
  controller: AbortController,
): Promise<void> {
  try {
    const model = await provider.languageModel(message.modelId);
    for await (const part of model.doStream({ ...message.options, abortSignal: controller.signal }))
      send({ kind: "part", id: message.id, part });
    send({ kind: "end", id: message.id });
  } catch (error) {
    send({ kind: "failure", id: message.id, error: toWireError(error) });
  }
}

async function main(): Promise<void> {
  // Hearth gone (even killed): nothing is left to answer.
  process.on("disconnect", () => process.exit(0));
  // Ctrl+C in a terminal, or a signal to the process group, reaches this process too: Hearth decides
  // when the engine stops (it drains first, then closes it), so the signal is not this process's to act on.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => {});
  const settings = JSON.parse(process.argv[2] ?? "{}") as EngineSettings;
  let provider: LlamaCppProvider;
  try {
    provider = await LlamaCppProvider.create({
      ...settings,
      onModelLoaded: (modelId, seconds) => send({ kind: "model-loaded", modelId, seconds }),
    });
  } catch (error) {
    send({ kind: "start-failed", error: toWireError(error) }, () => process.exit(1));
    return;
  }
  const handlers = handlersFor(provider);
  // What runs, by request id: the abort message stops it.
  const running = new Map<number, AbortController>();
  process.on("message", (message: ToEngine) => {
    if (message.kind === "abort") {
      running.get(message.id)?.abort();
    } else if (message.kind === "stream") {
      const controller = new AbortController();
      running.set(message.id, controller);
      void stream(provider, message, controller).finally(() => running.delete(message.id));
    } else {
      const handler = handlers[message.method] as (signal: AbortSignal, ...args: unknown[]) => Promise<unknown>;
      const controller = new AbortController();
      running.set(message.id, controller);
      handler(controller.signal, ...message.args)
        .finally(() => running.delete(message.id))
        .then(
          (value) =>
            send(
              { kind: "answer", id: message.id, value },
              message.method === "close" ? () => process.exit(0) : undefined,
            ),
          (error: unknown) => send({ kind: "failure", id: message.id, error: toWireError(error) }),
        );
    }
  });
  send({ kind: "ready", info: provider.info() });
}

void main();

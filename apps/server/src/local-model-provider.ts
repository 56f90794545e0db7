import { LOCAL_PROVIDER } from "@hearth/core";
import type { ModelProvider } from "@hearth/engine";
import type { EngineHolder } from "./engine-holder.ts";

/**
 * The embedded engine as the registry's `local` provider. It asks the holder on every call, so a
 * switch to a faster llama.cpp build (the holder replaces its engine) reaches every later call.
 */
export function localModelProvider(holder: EngineHolder): ModelProvider {
  return {
    id: LOCAL_PROVIDER,
    kind: "llama.cpp",
    listModels: async () => (await holder.get()).listModels(),
    languageModel: async (modelId) => (await holder.get()).languageModel(modelId),
    embeddingModel: async (modelId) => (await holder.get()).embeddingModel(modelId),
    // The holder owns the engine and closes it with the server.
    close: async () => {},
  };
}

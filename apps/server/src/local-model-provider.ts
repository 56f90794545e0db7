import { LOCAL_PROVIDER } from "@hearth/core";
import { listLocalModels, type ModelProvider } from "@hearth/engine";
import type { EngineHolder } from "./engine-holder.ts";

/**
 * The embedded engine as the registry's `local` provider. It asks the holder on every call, so a
 * switch to a faster llama.cpp build (the holder replaces its engine) reaches every later call.
 */
export function localModelProvider(holder: EngineHolder, modelsDir: string): ModelProvider {
  return {
    id: LOCAL_PROVIDER,
    kind: "llama.cpp",
    // Listing never starts the engine: starting loads llama.cpp, and waits for a build in progress.
    listModels: () => holder.started()?.listModels() ?? listLocalModels(modelsDir),
    languageModel: async (modelId) => (await holder.get()).languageModel(modelId),
    embeddingModel: async (modelId) => (await holder.get()).embeddingModel(modelId),
    // The holder owns the engine and closes it with the server.
    close: async () => {},
  };
}

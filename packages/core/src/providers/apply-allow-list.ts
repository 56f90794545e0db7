import { type ModelProvider, NoSuchModelError } from "@hearth/engine/spec";

/**
 * The provider as Hearth offers it: only the models on the allow-list are listed or callable.
 * A model the provider has but the admin left off is refused as if it did not exist.
 */
export function applyAllowList(provider: ModelProvider, allowed: readonly string[] | null): ModelProvider {
  if (allowed === null) return provider;
  const isAllowed = new Set(allowed);
  const refuse = (modelId: string) => {
    if (!isAllowed.has(modelId)) throw new NoSuchModelError(modelId, allowed);
  };
  return {
    id: provider.id,
    kind: provider.kind,
    async listModels(options) {
      return (await provider.listModels(options)).filter((model) => isAllowed.has(model.id));
    },
    async languageModel(modelId) {
      refuse(modelId);
      return provider.languageModel(modelId);
    },
    async embeddingModel(modelId) {
      refuse(modelId);
      return provider.embeddingModel(modelId);
    },
    close: () => provider.close(),
  };
}

import { type ModelProvider, ProviderUnavailableError } from "@hearth/engine/spec";

/**
 * The provider with its API key taken out of the reasons it gives for failing. Some servers quote
 * the key they were sent in their errors, and a provider's reason is shown to every user in the
 * model list.
 */
export function hideApiKey(provider: ModelProvider, apiKey: string | undefined): ModelProvider {
  if (apiKey === undefined || apiKey === "") return provider;
  const hide = (error: unknown): never => {
    if (error instanceof ProviderUnavailableError && error.reason.includes(apiKey)) {
      throw new ProviderUnavailableError(error.providerId, error.reason.replaceAll(apiKey, "[redacted]"));
    }
    if (error instanceof Error && error.message.includes(apiKey)) {
      error.message = error.message.replaceAll(apiKey, "[redacted]");
    }
    throw error;
  };
  return {
    id: provider.id,
    kind: provider.kind,
    listModels: (options) => provider.listModels(options).catch(hide),
    languageModel: (modelId) => provider.languageModel(modelId).catch(hide),
    embeddingModel: (modelId) => provider.embeddingModel(modelId).catch(hide),
    close: () => provider.close(),
  };
}

import { type ModelProvider, ProviderUnavailableError } from "@hearth/engine/spec";

/**
 * Stands in for a provider that could not be built (a refused URL, a key that does not open), so
 * the model list shows it as unavailable with the reason instead of failing or hiding it.
 */
export function unavailableProvider(id: string, kind: string, reason: string): ModelProvider {
  const fail = () => Promise.reject(new ProviderUnavailableError(id, reason));
  return {
    id,
    kind,
    listModels: fail,
    languageModel: fail,
    embeddingModel: fail,
    close: () => Promise.resolve(),
  };
}

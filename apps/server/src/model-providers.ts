import { ConfiguredProviders, createSecretBox, type Logger, type ProviderSettings, providerFetch } from "@hearth/core";
import type { Database } from "@hearth/db";
import { createOllamaProvider, createOpenAICompatibleProvider, type ModelProvider } from "@hearth/engine";
import type { Config } from "./config.ts";

/**
 * Builds a configured provider with the engine's adapters, calling through `providerFetch`: no
 * redirects, and every connection's address checked as the base URL was (see provider-fetch.ts).
 */
function buildProvider(settings: ProviderSettings): ModelProvider {
  const common = {
    id: settings.id,
    timeoutMs: settings.timeoutSeconds * 1000,
    fetch: providerFetch,
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  };
  return settings.kind === "ollama"
    ? createOllamaProvider({ ...common, host: settings.baseUrl })
    : createOpenAICompatibleProvider({ ...common, baseUrl: settings.baseUrl });
}

/** The local engine, the config file's providers and the admins' ones, as the model registry sees them. */
export function createConfiguredProviders(deps: {
  config: Config;
  logger: Logger;
  database: () => Database | undefined;
  local: ModelProvider;
  onChange: (providerId: string) => void;
}): ConfiguredProviders {
  const { config } = deps;
  return new ConfiguredProviders({
    database: deps.database,
    secretBox: createSecretBox({
      dataDir: config.dataDir,
      ...(config.secretKey ? { secretKey: config.secretKey } : {}),
    }),
    local: deps.local,
    fromConfig: config.models.providers,
    logger: deps.logger,
    onChange: deps.onChange,
    factory: buildProvider,
  });
}

import {
  ConfiguredProviders,
  createSecretBox,
  fetchWithoutRedirects,
  type Logger,
  type ProviderSettings,
} from "@hearth/core";
import type { Database } from "@hearth/db";
import { createOllamaProvider, createOpenAICompatibleProvider, type ModelProvider } from "@hearth/engine";
import type { Config } from "./config.ts";

/**
 * Builds a configured provider with the engine's adapters. Redirects are not followed: a server at an
 * allowed address could otherwise send a call on to a metadata address past the URL check.
 */
function buildProvider(settings: ProviderSettings): ModelProvider {
  const common = {
    id: settings.id,
    timeoutMs: settings.timeoutSeconds * 1000,
    fetch: fetchWithoutRedirects,
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

import type { ModelDescriptor, ModelProvider } from "@hearth/engine/spec";
import { fail, ok, type Result } from "../problems.ts";
import type { ProviderFactory } from "./configured-providers.ts";
import type { ProviderStore } from "./manage-providers.ts";
import { definitionOfConfig, definitionOfRow, prepareProvider, reasonWithoutSecret } from "./prepare-provider.ts";
import { type ProvidersProblem, providersProblems } from "./problems.ts";
import { findProviderRow } from "./provider-rows.ts";
import type { ConnectionTest } from "./schema.ts";

/**
 * Builds the provider afresh (enabled or not) and asks it for its models within its timeout. A
 * provider that fails is an answer (`ok: false` with the reason), not an error.
 */
export async function testConnection(
  store: ProviderStore & { factory: ProviderFactory },
  id: string,
): Promise<Result<ConnectionTest, ProvidersProblem>> {
  const config = store.fromConfig.find((candidate) => candidate.id === id);
  const row = config === undefined ? await findProviderRow(store.db, id) : undefined;
  if (config === undefined && row === undefined) return fail(providersProblems.notFound(id));
  const definition =
    config === undefined ? definitionOfRow(row as NonNullable<typeof row>) : definitionOfConfig(config);

  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const prepared = await prepareProvider(definition, store);
  if (!prepared.ok) return ok({ ok: false, reason: prepared.reason, ms: elapsed() });
  const { apiKey, timeoutSeconds } = prepared.settings;
  let provider: ModelProvider;
  try {
    provider = store.factory(prepared.settings);
  } catch (error) {
    return ok({ ok: false, reason: reasonWithoutSecret(error, apiKey), ms: elapsed() });
  }
  try {
    const models = await listWithin(provider, timeoutSeconds);
    return ok({ ok: true, models: models.map((model) => model.id), ms: elapsed() });
  } catch (error) {
    return ok({ ok: false, reason: reasonWithoutSecret(error, apiKey), ms: elapsed() });
  } finally {
    await provider.close().catch(() => {});
  }
}

/** A provider that ignores the abort signal still cannot hold the answer past the timeout. */
function listWithin(provider: ModelProvider, timeoutSeconds: number): Promise<ModelDescriptor[]> {
  const abortSignal = AbortSignal.timeout(timeoutSeconds * 1000);
  // Listening before the provider does, so the timeout's reason wins over its own abort error.
  const timedOut = new Promise<never>((_, reject) =>
    abortSignal.addEventListener(
      "abort",
      () => reject(new Error(`It did not list its models within ${timeoutSeconds} s.`)),
      {
        once: true,
      },
    ),
  );
  return Promise.race([timedOut, provider.listModels({ abortSignal })]);
}

import type { HearthClient } from "./create-hearth-client.ts";
import type { components } from "./generated/openapi.ts";
import { unwrap } from "./unwrap.ts";

/** A local model's settings (admins): how llama.cpp loads it, and the defaults its calls get. */
export type ModelSettings = components["schemas"]["ModelSettings"];

/**
 * What to change: each field given replaces the saved one (null puts it back to the default); each
 * sampling option given likewise, the others kept.
 */
export type ModelSettingsChange = Partial<Omit<ModelSettings, "sampling">> & {
  sampling?: { [Option in keyof ModelSettings["sampling"]]?: number | null };
};

/**
 * Changes some of a local model's settings and keeps the others: reads them, merges `change`, and
 * saves the whole (PUT replaces them all). Two admins changing the same model at once: the last
 * save wins whole. Resolves to the settings as saved; a problem (404 `local-model-not-found`, 400
 * `validation-failed` naming the field) is thrown as a `HearthError`.
 */
export async function changeModelSettings(
  client: HearthClient,
  modelId: string,
  change: ModelSettingsChange,
): Promise<ModelSettings> {
  const path = { params: { path: { id: modelId } } };
  const current = unwrap(await client.api.GET("/api/admin/model-settings/{id}", path));
  const sampling = { ...current.sampling, ...change.sampling };
  const body: ModelSettings = {
    ...current,
    ...change,
    sampling: Object.fromEntries(Object.entries(sampling).filter(([, value]) => value != null)),
  };
  return unwrap(await client.api.PUT("/api/admin/model-settings/{id}", { ...path, body }));
}

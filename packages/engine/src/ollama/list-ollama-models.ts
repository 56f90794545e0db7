import type { Ollama } from "ollama";
import { UnexpectedAnswerError } from "../remote/unexpected-answer-error.ts";
import type { ModelDescriptor } from "../spec/model-provider.ts";
import { OllamaStatusError } from "./ollama-fetch.ts";
import { type OllamaModelFacts, readShowAnswer, readTagsEntry, toOllamaModelDescriptor } from "./read-ollama-model.ts";

/** /api/show answers by model digest: a digest names one exact model, so its facts never change. */
export type OllamaFactsCache = Map<string, OllamaModelFacts>;

/** The names of the models in memory now; older servers have no /api/ps. */
async function listLoaded(client: Ollama): Promise<Set<string>> {
  try {
    const running = (await client.ps()) as unknown as { models?: unknown };
    const models = Array.isArray(running.models) ? running.models : [];
    return new Set(models.flatMap((entry) => readTagsEntry(entry)?.name ?? []));
  } catch (error) {
    if (error instanceof OllamaStatusError && error.status === 404) return new Set();
    throw error;
  }
}

/** Lists an Ollama server's models: /api/tags, /api/show per model not yet cached, /api/ps. */
export async function listOllamaModels(client: Ollama, factsByDigest: OllamaFactsCache): Promise<ModelDescriptor[]> {
  const [tags, loaded] = await Promise.all([client.list() as Promise<unknown>, listLoaded(client)]);
  const entries = (tags as { models?: unknown } | undefined)?.models;
  if (!Array.isArray(entries))
    throw new UnexpectedAnswerError("answered /api/tags without a model list: is it Ollama?");
  const models = entries.flatMap((entry) => readTagsEntry(entry) ?? []);
  return Promise.all(
    models.map(async (model) => {
      let facts = model.digest ? factsByDigest.get(model.digest) : undefined;
      if (!facts) {
        facts = readShowAnswer(model.name, await client.show({ model: model.name }));
        if (model.digest) factsByDigest.set(model.digest, facts);
      }
      return toOllamaModelDescriptor(model, facts, loaded.has(model.name));
    }),
  );
}

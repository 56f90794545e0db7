import type { ModelCapabilities, ModelDescriptor } from "../spec/model-provider.ts";

type Entry = Record<string, unknown>;

const isRecord = (value: unknown): value is Entry => typeof value === "object" && value !== null;
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** What /api/show tells of a model, kept per digest (a digest names one exact model file). */
export interface OllamaModelFacts {
  capabilities: ModelCapabilities;
  details: Record<string, string>;
}

/** A model of /api/tags: its name, and its digest when the server gives one. */
export function readTagsEntry(entry: unknown): { name: string; digest: string | undefined; entry: Entry } | undefined {
  if (!isRecord(entry)) return undefined;
  const name = text(entry.name) ?? text(entry.model);
  return name ? { name, digest: text(entry.digest), entry } : undefined;
}

function readContextLength(modelInfo: Entry): number | undefined {
  const architecture = text(modelInfo["general.architecture"]);
  const length = architecture ? modelInfo[`${architecture}.context_length`] : undefined;
  return typeof length === "number" && Number.isInteger(length) && length > 0 ? length : undefined;
}

function readDetails(details: unknown): Record<string, string> {
  if (!isRecord(details)) return {};
  const facts: Record<string, string> = {};
  for (const [key, field] of [
    ["family", "family"],
    ["parameterSize", "parameter_size"],
    ["quantizationLevel", "quantization_level"],
    ["format", "format"],
  ] as const) {
    const value = text(details[field]);
    if (value) facts[key] = value;
  }
  return facts;
}

/** Reads an /api/show answer. Older servers list no `capabilities`: then the name and family decide. */
export function readShowAnswer(name: string, show: unknown): OllamaModelFacts {
  const answer = isRecord(show) ? show : {};
  const details = readDetails(answer.details);
  const contextLength = readContextLength(isRecord(answer.model_info) ? answer.model_info : {});
  const listed = Array.isArray(answer.capabilities)
    ? answer.capabilities.filter((value) => typeof value === "string")
    : undefined;
  const looksLikeEmbedding = /embed/i.test(name) || /bert/i.test(details.family ?? "");
  const capabilities: ModelCapabilities = listed
    ? {
        chat: listed.includes("completion"),
        embeddings: listed.includes("embedding"),
        tools: listed.includes("tools") ? "native" : "none",
        vision: listed.includes("vision"),
      }
    : { chat: !looksLikeEmbedding, embeddings: looksLikeEmbedding, tools: "none", vision: false };
  if (contextLength) capabilities.contextLength = contextLength;
  return { capabilities, details };
}

/** A model as the spec lists it, from its /api/tags entry, its /api/show facts and /api/ps. */
export function toOllamaModelDescriptor(
  tags: { name: string; entry: Entry },
  facts: OllamaModelFacts,
  isLoaded: boolean,
): ModelDescriptor {
  const size = tags.entry.size;
  const details = { ...readDetails(tags.entry.details), ...facts.details };
  return {
    id: tags.name,
    capabilities: facts.capabilities,
    ...(typeof size === "number" && size > 0 ? { sizeBytes: size } : {}),
    isLoaded,
    ...(Object.keys(details).length > 0 ? { details } : {}),
  };
}

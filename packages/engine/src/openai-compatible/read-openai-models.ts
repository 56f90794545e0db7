import type { ModelDescriptor } from "../spec/model-provider.ts";

type Entry = Record<string, unknown>;

const isRecord = (value: unknown): value is Entry => typeof value === "object" && value !== null;

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Where servers put a model's context length: OpenRouter, vLLM, llama.cpp's llama-server. */
function readContextLength(entry: Entry): number | undefined {
  const meta = isRecord(entry.meta) ? entry.meta : {};
  return (
    positiveInteger(entry.context_length) ?? positiveInteger(entry.max_model_len) ?? positiveInteger(meta.n_ctx_train)
  );
}

function readModel(entry: Entry & { id: string }): ModelDescriptor {
  // No server says which models embed; the names of embedding models say so (text-embedding-3-small,
  // nomic-embed-text, bge-m3 is the exception that only an allow-list would catch).
  const isEmbedding = /embed/i.test(entry.id);
  const contextLength = readContextLength(entry);
  const size = positiveInteger(isRecord(entry.meta) ? entry.meta.size : undefined);
  return {
    id: entry.id,
    capabilities: {
      chat: !isEmbedding,
      embeddings: isEmbedding,
      tools: "native",
      vision: false,
      ...(contextLength ? { contextLength } : {}),
    },
    ...(size ? { sizeBytes: size } : {}),
    ...(typeof entry.owned_by === "string" && entry.owned_by ? { details: { ownedBy: entry.owned_by } } : {}),
  };
}

/** The models of a `GET /models` answer, or undefined when the body is not such an answer. */
export function readOpenAIModels(body: unknown): ModelDescriptor[] | undefined {
  if (!isRecord(body) || !Array.isArray(body.data)) return undefined;
  return body.data
    .filter(
      (entry): entry is Entry & { id: string } => isRecord(entry) && typeof entry.id === "string" && entry.id !== "",
    )
    .map(readModel);
}

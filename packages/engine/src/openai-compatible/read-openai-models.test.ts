import { describe, expect, it } from "vitest";
import { readOpenAIModels } from "./read-openai-models.ts";

describe("readOpenAIModels", () => {
  it("reads the context length where OpenRouter, vLLM and llama-server put it", () => {
    const models = readOpenAIModels({
      object: "list",
      data: [
        { id: "meta-llama/llama-3.3-70b-instruct", context_length: 131072 },
        { id: "Qwen/Qwen2.5-7B-Instruct", object: "model", owned_by: "vllm", max_model_len: 32768 },
        { id: "qwen2.5-1.5b.gguf", owned_by: "llamacpp", meta: { n_ctx_train: 32768, size: 1_100_000_000 } },
        { id: "gpt-4.1-mini", owned_by: "system" },
      ],
    });
    expect(models?.map((model) => model.capabilities.contextLength)).toEqual([131072, 32768, 32768, undefined]);
    expect(models?.[2]?.sizeBytes).toBe(1_100_000_000);
  });

  it("takes a model whose name says embed for an embedding model, not a chat model", () => {
    const [embedding, chat] =
      readOpenAIModels({ data: [{ id: "nomic-embed-text:latest" }, { id: "llama3.2:latest" }] }) ?? [];
    expect(embedding?.capabilities).toMatchObject({ chat: false, embeddings: true });
    expect(chat?.capabilities).toMatchObject({ chat: true, embeddings: false, tools: "native", vision: false });
  });

  it("answers undefined for a body that is not a model list, and skips entries without an id", () => {
    expect(readOpenAIModels("<html>")).toBeUndefined();
    expect(readOpenAIModels({ models: [] })).toBeUndefined();
    expect(
      readOpenAIModels({ data: [{ name: "no id" }, { id: "" }, { id: "kept" }] })?.map((model) => model.id),
    ).toEqual(["kept"]);
  });
});

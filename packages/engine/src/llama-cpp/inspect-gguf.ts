/**
 * @module What a GGUF file says about its model, read from its header without loading it: the
 * architecture, size, quantization, context and embedding lengths, chat template, and whether its
 * template has a way of its own to call tools.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { ChatWrapper, GgufFileType, LlamaText, readGgufFileInfo, resolveChatWrapper } from "node-llama-cpp";
import type { ToolSupport } from "../spec/model-provider.ts";

export interface GgufDetails {
  architecture: string;
  /** The name its makers gave it (`general.name`), where they did. */
  name: string | null;
  /** Weights, counted from the tensors. */
  parameters: number;
  /** The file's type (`Q4_K_M`, `F16`, …), where it says. */
  quantization: string | null;
  contextLength: number | null;
  embeddingLength: number | null;
  layers: number | null;
  chatTemplate: string | null;
  /** The chat format node-llama-cpp resolves for it (`chatML`, `llama3.1`, `jinjaTemplate`, …). */
  chatFormat: string | null;
  tools: ToolSupport;
  sizeBytes: number;
}

export async function inspectGguf(path: string): Promise<GgufDetails> {
  const info = await readGgufFileInfo(path, { logWarnings: false, ignoreKeys: ["tokenizer.ggml.merges"] });
  const metadata = info.metadata as unknown as Record<string, Record<string, unknown>>;
  const general = metadata.general ?? {};
  const architecture = String(general.architecture ?? "unknown");
  const model = metadata[architecture] ?? {};
  const fileType = general.file_type;
  const parameters = (info.fullTensorInfo ?? info.tensorInfo ?? []).reduce(
    (sum, tensor) => sum + tensor.dimensions.reduce((product: number, size) => product * Number(size), 1),
    0,
  );
  const template = (metadata.tokenizer as { chat_template?: unknown } | undefined)?.chat_template;
  const wrapper = resolveChatWrapper({ fileInfo: info, filename: basename(path), warningLogs: false });
  return {
    architecture,
    name: typeof general.name === "string" ? general.name : null,
    parameters,
    quantization:
      typeof fileType === "number" && GgufFileType[fileType] !== undefined
        ? (GgufFileType[fileType] as string).replace(/^MOSTLY_/, "")
        : null,
    contextLength: numberOrNull(model.context_length),
    embeddingLength: numberOrNull(model.embedding_length),
    layers: numberOrNull(model.block_count),
    chatTemplate: typeof template === "string" ? template : null,
    chatFormat: wrapper?.wrapperName ?? null,
    tools: wrapper === null ? "emulated" : toolSupportOf(wrapper),
    sizeBytes: (await stat(path)).size,
  };
}

/**
 * Native where the chat format has its own way to call tools (Qwen's `<tool_call>`, Llama 3.1's
 * `<function=`, one read from a Jinja template); otherwise node-llama-cpp's general `||call:` format,
 * which the model was never taught, so calls are only as good as a grammar can force them. Compared as
 * text: wrappers such as Llama 3's repeat the general format in their own settings.
 */
export function toolSupportOf(wrapper: ChatWrapper): ToolSupport {
  const callPrefix = (settings: ChatWrapper["settings"]) => LlamaText(settings.functions.call.prefix).toString();
  return callPrefix(wrapper.settings) === callPrefix(ChatWrapper.defaultSettings) ? "emulated" : "native";
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" || typeof value === "bigint" ? Number(value) : null;
}

import { type LLamaChatGenerateResponseOptions, LlamaChat } from "node-llama-cpp";
import type {
  CallOptions,
  ContextWindow,
  FinishReason,
  LanguageModel,
  Prompt,
  StreamPart,
} from "../spec/language-model.ts";
import { countTokens } from "./count-tokens.ts";
import type { LoadedModel } from "./loaded-model.ts";
import { PushQueue } from "./push-queue.ts";
import { toChatHistory } from "./to-chat-history.ts";

/** One local GGUF model: loaded (through `use`) on the first call that needs it. */
export class LlamaCppLanguageModel implements LanguageModel {
  constructor(
    readonly provider: string,
    readonly modelId: string,
    private readonly use: () => Promise<LoadedModel>,
  ) {}

  async contextWindow(): Promise<ContextWindow> {
    const loaded = await this.use();
    const { model, context, chatWrapper } = loaded;
    // The wrapper the chats use, so the count is of what is evaluated.
    const countPromptTokens = (prompt: Prompt, stopAbove?: number) =>
      countTokens(
        chatWrapper.generateContextState({ chatHistory: toChatHistory(prompt) }).contextText,
        model.tokenizer,
        stopAbove,
      );
    const emptyPrompt = await countPromptTokens([]);
    return {
      contextTokens: context.contextSize,
      maxTokenBytes: loaded.maxTokenBytes,
      isExact: true,
      countPromptTokens,
      countMessageTokens: async (message, stopAbove) =>
        (await countPromptTokens([message], stopAbove === undefined ? undefined : stopAbove + emptyPrompt)) -
        emptyPrompt,
    };
  }

  async *doStream(options: CallOptions): AsyncIterable<StreamPart> {
    const loaded = await this.use();
    const callerSignal = options.abortSignal;
    // Linked to the caller's signal, and aborted if the caller stops reading early.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    let release: (() => void) | undefined;
    try {
      release = await loaded.slots.acquire(callerSignal).catch(() => undefined);
      if (release === undefined) {
        yield { type: "finish", finishReason: "abort", usage: { inputTokens: 0, outputTokens: 0 } };
        return;
      }
      yield* generate(loaded, options, controller.signal);
    } finally {
      callerSignal?.removeEventListener("abort", onCallerAbort);
      controller.abort();
      release?.();
      loaded.lastUsedAt = Date.now();
    }
  }
}

async function* generate(loaded: LoadedModel, options: CallOptions, signal: AbortSignal): AsyncIterable<StreamPart> {
  const sequence = loaded.context.getSequence();
  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: loaded.chatWrapper, autoDisposeSequence: true });
  const before = sequence.tokenMeter.getState();
  const parts = new PushQueue<StreamPart>();
  const generation = chat
    .generateResponse(toChatHistory(options.prompt), {
      ...sampling(options),
      signal,
      stopOnAbortSignal: true,
      onTextChunk: (text) => parts.push({ type: "text-delta", text }),
    })
    .then(
      (result) => finish(toFinishReason(result.metadata.stopReason)),
      // Aborted before its first token (loading or evaluating the prompt), LlamaChat rejects with the
      // signal's reason: that is a stop like any other, not a failure.
      (error: unknown) => (signal.aborted ? finish("abort") : parts.fail(error)),
    );
  function finish(finishReason: FinishReason) {
    const used = sequence.tokenMeter.diff(before);
    parts.push({
      type: "finish",
      finishReason,
      usage: { inputTokens: used.usedInputTokens, outputTokens: used.usedOutputTokens },
    });
    parts.end();
  }
  try {
    yield* parts;
  } finally {
    // Let an aborted generation unwind before its sequence goes back to the context.
    await generation;
    chat.dispose();
  }
}

/** The spec's sampling settings in node-llama-cpp's words; unset ones keep its defaults. */
function sampling(options: CallOptions): LLamaChatGenerateResponseOptions {
  const settings: LLamaChatGenerateResponseOptions = {};
  if (options.maxOutputTokens !== undefined) settings.maxTokens = options.maxOutputTokens;
  if (options.temperature !== undefined) settings.temperature = options.temperature;
  if (options.topP !== undefined) settings.topP = options.topP;
  if (options.topK !== undefined) settings.topK = options.topK;
  if (options.minP !== undefined) settings.minP = options.minP;
  if (options.seed !== undefined) settings.seed = options.seed;
  if (options.repeatPenalty !== undefined) settings.repeatPenalty = { penalty: options.repeatPenalty };
  if (options.stopSequences !== undefined && options.stopSequences.length > 0)
    settings.customStopTriggers = options.stopSequences;
  return settings;
}

function toFinishReason(reason: string): FinishReason {
  if (reason === "maxTokens") return "length";
  if (reason === "abort") return "abort";
  if (reason === "functionCalls") return "tool-calls";
  return "stop";
}

import { totalmem } from "node:os";
import {
  type ChatHistoryItem,
  type ChatWrapper,
  getLlama,
  type Llama,
  LlamaChat,
  type LlamaContext,
  type LlamaEmbeddingContext,
  LlamaLogLevel,
  type LlamaModel,
  resolveChatWrapper,
} from "node-llama-cpp";
import type {
  ChatMessage,
  ChatModelProvider,
  ChatRequest,
  ChatStreamPart,
  ContextWindow,
  ModelInfo,
  StopReason,
} from "../language-model.ts";
import { NoSuchModelError } from "../no-such-model-error.ts";
import { chooseThreads } from "./choose-threads.ts";
import { countTokens } from "./count-tokens.ts";
import { type GgufFile, listGgufModels } from "./list-gguf-models.ts";
import { maxTokenBytes } from "./max-token-bytes.ts";
import { PushQueue } from "./push-queue.ts";
import { Slots } from "./slots.ts";

export interface LlamaCppOptions {
  modelsDir: string;
  /** CPU threads per context; by default chosen for the binary and the machine (see chooseThreads). */
  threads?: number;
  /** Tokens of context per sequence. */
  contextSize?: number;
  /** Parallel sequences per loaded model; more requests queue. */
  sequencesPerModel?: number;
  /** Loaded models are unloaded, least recently used first, to stay under this many bytes. */
  memoryBudgetBytes?: number;
  gpu?: "auto" | false;
  /** Called after each model load, for metrics. */
  onModelLoaded?: (modelId: string, seconds: number) => void;
}

interface LoadedModel {
  file: GgufFile;
  model: LlamaModel;
  /**
   * Resolved once per load: resolving it (parsing the model's Jinja template, probing the known
   * wrappers) took 130–230 ms, which LlamaChat would otherwise spend on every request.
   */
  chatWrapper: ChatWrapper;
  /** See ContextWindow.maxTokenBytes; read once from the vocabulary. */
  maxTokenBytes: number;
  context: LlamaContext;
  slots: Slots;
  lastUsedAt: number;
  embeddingContext?: Promise<LlamaEmbeddingContext>;
}

export interface LlamaCppInfo {
  buildType: "localBuild" | "prebuilt";
  gpu: string | false;
  threads: number;
}

/** The embedded llama.cpp provider: GGUF files in a folder, loaded on first use, cached within a budget. */
export class LlamaCppProvider implements ChatModelProvider {
  readonly name = "llama.cpp";
  readonly #loaded = new Map<string, Promise<LoadedModel>>();

  private constructor(
    readonly llama: Llama,
    readonly options: Required<Omit<LlamaCppOptions, "onModelLoaded" | "gpu">> & Pick<LlamaCppOptions, "onModelLoaded">,
  ) {}

  static async create(options: LlamaCppOptions): Promise<LlamaCppProvider> {
    // "never": a source build is started on purpose (it takes minutes), never implicitly on a start.
    const llama = await getLlama({ gpu: options.gpu ?? "auto", build: "never", logLevel: LlamaLogLevel.error });
    return new LlamaCppProvider(llama, {
      modelsDir: options.modelsDir,
      threads: options.threads ?? chooseThreads(llama.buildType),
      contextSize: options.contextSize ?? 4096,
      sequencesPerModel: options.sequencesPerModel ?? 1,
      memoryBudgetBytes: options.memoryBudgetBytes ?? Math.floor(totalmem() / 2),
      ...(options.onModelLoaded ? { onModelLoaded: options.onModelLoaded } : {}),
    });
  }

  info(): LlamaCppInfo {
    return { buildType: this.llama.buildType, gpu: this.llama.gpu, threads: this.options.threads };
  }

  /** Requests waiting for a sequence, over all loaded models. */
  async queueDepth(): Promise<number> {
    const loaded = await Promise.allSettled(this.#loaded.values());
    return loaded.reduce((total, entry) => total + (entry.status === "fulfilled" ? entry.value.slots.waiting : 0), 0);
  }

  async listModels(): Promise<ModelInfo[]> {
    const files = await listGgufModels(this.options.modelsDir);
    return files.map((file) => ({
      id: file.id,
      provider: this.name,
      sizeBytes: file.sizeBytes,
      isLoaded: this.#loaded.has(file.id),
    }));
  }

  async contextWindow(modelId: string): Promise<ContextWindow> {
    const loaded = await this.#use(modelId);
    const { model, context, chatWrapper } = loaded;
    // The wrapper the chats use, so the count is of what is evaluated.
    const countPromptTokens = (messages: readonly ChatMessage[], stopAbove?: number) =>
      countTokens(
        chatWrapper.generateContextState({ chatHistory: toHistory(messages) }).contextText,
        model.tokenizer,
        stopAbove,
      );
    const emptyPrompt = await countPromptTokens([]);
    return {
      contextTokens: context.contextSize,
      maxTokenBytes: loaded.maxTokenBytes,
      countPromptTokens,
      countMessageTokens: async (message, stopAbove) =>
        (await countPromptTokens([message], stopAbove === undefined ? undefined : stopAbove + emptyPrompt)) -
        emptyPrompt,
    };
  }

  async *streamChat(request: ChatRequest): AsyncIterable<ChatStreamPart> {
    const loaded = await this.#use(request.model);
    // Linked to the caller's signal, and aborted if the caller stops reading early.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(request.signal?.reason);
    request.signal?.addEventListener("abort", onCallerAbort, { once: true });
    let release: (() => void) | undefined;
    try {
      release = await loaded.slots.acquire(request.signal).catch(() => undefined);
      if (release === undefined) {
        yield { type: "finish", stopReason: "abort", usage: { promptTokens: 0, completionTokens: 0 } };
        return;
      }
      yield* this.#generate(loaded, request, controller.signal);
    } finally {
      request.signal?.removeEventListener("abort", onCallerAbort);
      controller.abort();
      release?.();
      loaded.lastUsedAt = Date.now();
    }
  }

  async embed(modelId: string, texts: readonly string[]): Promise<number[][]> {
    const loaded = await this.#use(modelId);
    loaded.embeddingContext ??= loaded.model.createEmbeddingContext({
      contextSize: Math.min(this.options.contextSize, loaded.model.trainContextSize),
      threads: this.options.threads,
    });
    const context = await loaded.embeddingContext;
    const vectors: number[][] = [];
    for (const text of texts) vectors.push([...(await context.getEmbeddingFor(text)).vector]);
    return vectors;
  }

  async close(): Promise<void> {
    const loaded = await Promise.allSettled(this.#loaded.values());
    this.#loaded.clear();
    for (const entry of loaded) if (entry.status === "fulfilled") await unload(entry.value);
    await this.llama.dispose();
  }

  async *#generate(loaded: LoadedModel, request: ChatRequest, signal: AbortSignal): AsyncIterable<ChatStreamPart> {
    const sequence = loaded.context.getSequence();
    const chat = new LlamaChat({
      contextSequence: sequence,
      chatWrapper: loaded.chatWrapper,
      autoDisposeSequence: true,
    });
    const before = sequence.tokenMeter.getState();
    const parts = new PushQueue<ChatStreamPart>();
    const generation = chat
      .generateResponse(toHistory(request.messages), {
        ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        signal,
        stopOnAbortSignal: true,
        onTextChunk: (text) => parts.push({ type: "delta", text }),
      })
      .then(
        (result) => finish(toStopReason(result.metadata.stopReason)),
        // Aborted before its first token (loading or evaluating the prompt), LlamaChat rejects with the
        // signal's reason: that is a stop like any other, not a failure.
        (error: unknown) => (signal.aborted ? finish("abort") : parts.fail(error)),
      );
    function finish(stopReason: StopReason) {
      const used = sequence.tokenMeter.diff(before);
      parts.push({
        type: "finish",
        stopReason,
        usage: { promptTokens: used.usedInputTokens, completionTokens: used.usedOutputTokens },
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

  async #use(modelId: string): Promise<LoadedModel> {
    let entry = this.#loaded.get(modelId);
    if (entry === undefined) {
      const files = await listGgufModels(this.options.modelsDir);
      const file = files.find((candidate) => candidate.id === modelId);
      if (file === undefined)
        throw new NoSuchModelError(
          modelId,
          files.map((candidate) => candidate.id),
        );
      // Looked up again after the await, with none until it is registered: two first uses at once used
      // to load the model twice, and the copy left out of the map was never disposed (its memory held,
      // and llama.dispose() waiting for it forever).
      entry = this.#loaded.get(modelId);
      if (entry === undefined) {
        entry = this.#load(file);
        this.#loaded.set(modelId, entry);
        entry.catch(() => this.#loaded.delete(modelId));
      }
    }
    const loaded = await entry;
    loaded.lastUsedAt = Date.now();
    return loaded;
  }

  async #load(file: GgufFile): Promise<LoadedModel> {
    await this.#makeRoomFor(file);
    const started = performance.now();
    const model = await this.llama.loadModel({ modelPath: file.path });
    try {
      const context = await model.createContext({
        contextSize: Math.min(this.options.contextSize, model.trainContextSize),
        sequences: this.options.sequencesPerModel,
        threads: this.options.threads,
      });
      const chatWrapper = resolveChatWrapper(model);
      this.options.onModelLoaded?.(file.id, (performance.now() - started) / 1000);
      return {
        file,
        model,
        chatWrapper,
        maxTokenBytes: maxTokenBytes(model),
        context,
        slots: new Slots(this.options.sequencesPerModel),
        lastUsedAt: Date.now(),
      };
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** Unloads idle models, least recently used first, until `file` fits in the budget (or none is idle). */
  async #makeRoomFor(file: GgufFile): Promise<void> {
    const settled = await Promise.allSettled(this.#loaded.values());
    const loaded = settled.flatMap((entry) => (entry.status === "fulfilled" ? [entry.value] : []));
    let used = loaded.reduce((total, entry) => total + entry.file.sizeBytes, 0);
    for (const victim of loaded.sort((a, b) => a.lastUsedAt - b.lastUsedAt)) {
      if (used + file.sizeBytes <= this.options.memoryBudgetBytes) return;
      if (!victim.slots.isIdle) continue;
      this.#loaded.delete(victim.file.id);
      used -= victim.file.sizeBytes;
      await unload(victim);
    }
  }
}

async function unload(loaded: LoadedModel): Promise<void> {
  await (await loaded.embeddingContext?.catch(() => undefined))?.dispose();
  await loaded.context.dispose();
  await loaded.model.dispose();
}

function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((message) =>
    message.role === "system"
      ? { type: "system", text: message.content }
      : message.role === "user"
        ? { type: "user", text: message.content }
        : { type: "model", response: [message.content] },
  );
  // The reply being generated: LlamaChat continues the last model turn.
  history.push({ type: "model", response: [] });
  return history;
}

function toStopReason(reason: string): StopReason {
  if (reason === "maxTokens") return "length";
  if (reason === "abort") return "abort";
  return "stop";
}

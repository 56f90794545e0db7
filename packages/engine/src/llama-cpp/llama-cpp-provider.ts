import { totalmem } from "node:os";
import { getLlama, type Llama, LlamaLogLevel, resolveChatWrapper } from "node-llama-cpp";
import type { UnloadOutcome } from "../engine-process/protocol.ts";
import type { EmbeddingModel, LanguageModel } from "../spec/language-model.ts";
import type { ModelDescriptor, ModelProvider, ToolSupport } from "../spec/model-provider.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { chooseThreads } from "./choose-threads.ts";
import { GrammarCache } from "./grammar-cache.ts";
import { toolSupportOf } from "./inspect-gguf.ts";
import { type GgufFile, listGgufModels, listLocalModels } from "./list-gguf-models.ts";
import { LlamaCppLanguageModel } from "./llama-cpp-language-model.ts";
import type { LoadedModel } from "./loaded-model.ts";
import { maxTokenBytes } from "./max-token-bytes.ts";
import { Slots } from "./slots.ts";

export interface LlamaCppOptions {
  /** The provider id, the prefix of its models' qualified ids; "local" by default. */
  id?: string;
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

export interface LlamaCppInfo {
  buildType: "localBuild" | "prebuilt";
  gpu: string | false;
  threads: number;
}

/** The embedded llama.cpp provider: GGUF files in a folder, loaded on first use, cached within a budget. */
export class LlamaCppProvider implements ModelProvider {
  readonly kind = "llama.cpp";
  readonly #loaded = new Map<string, Promise<LoadedModel>>();
  readonly #grammars: GrammarCache;

  private constructor(
    readonly llama: Llama,
    readonly options: Required<Omit<LlamaCppOptions, "onModelLoaded" | "gpu">> & Pick<LlamaCppOptions, "onModelLoaded">,
  ) {
    this.#grammars = new GrammarCache(llama);
  }

  get id(): string {
    return this.options.id;
  }

  static async create(options: LlamaCppOptions): Promise<LlamaCppProvider> {
    // "never": a source build is started on purpose (it takes minutes), never implicitly on a start.
    const llama = await getLlama({ gpu: options.gpu ?? "auto", build: "never", logLevel: LlamaLogLevel.error });
    return new LlamaCppProvider(llama, {
      id: options.id ?? "local",
      modelsDir: options.modelsDir,
      threads: options.threads ?? chooseThreads(llama.buildType),
      contextSize: options.contextSize ?? 4096,
      sequencesPerModel: options.sequencesPerModel ?? 1,
      memoryBudgetBytes: options.memoryBudgetBytes ?? Math.floor(availableMemory() / 2),
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

  async listModels(): Promise<ModelDescriptor[]> {
    const loaded = new Map<string, LoadedModel>();
    for (const entry of await Promise.allSettled(this.#loaded.values()))
      if (entry.status === "fulfilled") loaded.set(entry.value.file.id, entry.value);
    return (await listLocalModels(this.options.modelsDir)).map((listed) => {
      const model = loaded.get(listed.id);
      if (model === undefined) return listed;
      const capabilities = {
        ...listed.capabilities,
        tools: toolSupport(model),
        contextLength: model.context.contextSize,
      };
      return { ...listed, isLoaded: true, capabilities };
    });
  }

  async languageModel(modelId: string): Promise<LanguageModel> {
    await this.#find(modelId);
    return new LlamaCppLanguageModel(this.id, modelId, () => this.#use(modelId), this.#grammars);
  }

  async embeddingModel(modelId: string): Promise<EmbeddingModel> {
    await this.#find(modelId);
    return {
      provider: this.id,
      modelId,
      doEmbed: (texts, options) => this.#embed(modelId, texts, options?.abortSignal),
    };
  }

  /** Embeds one text after another; an abort stops before the next text (and rejects with its reason). */
  async #embed(modelId: string, texts: readonly string[], abortSignal?: AbortSignal): Promise<number[][]> {
    abortSignal?.throwIfAborted();
    const loaded = await this.#use(modelId);
    loaded.embeddingContext ??= loaded.model.createEmbeddingContext({
      contextSize: Math.min(this.options.contextSize, loaded.model.trainContextSize),
      threads: this.options.threads,
    });
    const context = await loaded.embeddingContext;
    const vectors: number[][] = [];
    for (const text of texts) {
      abortSignal?.throwIfAborted();
      vectors.push([...(await context.getEmbeddingFor(text)).vector]);
    }
    return vectors;
  }

  /** Loads a model now, as its first use would. */
  async loadModel(modelId: string): Promise<void> {
    await this.#use(modelId);
  }

  /** Unloads a model no call is using; a busy one stays. */
  async unloadModel(modelId: string): Promise<UnloadOutcome> {
    const entry = this.#loaded.get(modelId);
    if (entry === undefined) return "not-loaded";
    const loaded = await entry.catch(() => undefined);
    if (loaded === undefined || this.#loaded.get(modelId) !== entry) return "not-loaded";
    if (!loaded.slots.isIdle) return "busy";
    this.#loaded.delete(modelId);
    await unload(loaded);
    return "unloaded";
  }

  async close(): Promise<void> {
    const loaded = await Promise.allSettled(this.#loaded.values());
    this.#loaded.clear();
    for (const entry of loaded) if (entry.status === "fulfilled") await unload(entry.value);
    await this.llama.dispose();
  }

  async #find(modelId: string): Promise<GgufFile> {
    const files = await listGgufModels(this.options.modelsDir);
    const file = files.find((candidate) => candidate.id === modelId);
    if (file === undefined)
      throw new NoSuchModelError(
        modelId,
        files.map((candidate) => candidate.id),
      );
    return file;
  }

  async #use(modelId: string): Promise<LoadedModel> {
    let entry = this.#loaded.get(modelId);
    if (entry === undefined) {
      const file = await this.#find(modelId);
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

/** Native where the model's chat format has its own call syntax (see inspect-gguf.ts). */
function toolSupport(model: LoadedModel): ToolSupport {
  return toolSupportOf(model.chatWrapper);
}

/** The machine's memory, or the container's limit (cgroup) where that is smaller. */
function availableMemory(): number {
  const limit = process.constrainedMemory();
  return limit > 0 && limit < totalmem() ? limit : totalmem();
}

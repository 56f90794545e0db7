import { totalmem } from "node:os";
import { getLlama, type Llama, type LlamaEmbeddingContext, LlamaLogLevel } from "node-llama-cpp";
import type { UnloadOutcome } from "../engine-process/protocol.ts";
import type { EmbeddingModel, LanguageModel } from "../spec/language-model.ts";
import type { ModelDescriptor, ModelProvider, ToolSupport } from "../spec/model-provider.ts";
import type { LoadedModelState, ModelLoadSettings } from "../spec/model-settings.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { chatWrapperFor } from "./chat-template.ts";
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
  /** How admins have set models to load, by model id (see setModelSettings). */
  modelSettings?: Readonly<Record<string, ModelLoadSettings>>;
  /** Called after each model load, for metrics. */
  onModelLoaded?: (modelId: string, seconds: number) => void;
}

export interface LlamaCppInfo {
  buildType: "localBuild" | "prebuilt";
  /** The GPU backend in use (`cuda`, `vulkan`, `metal`), or false on the CPU alone. */
  gpu: string | false;
  /** The GPUs llama.cpp found, by name. */
  gpuDevices: string[];
  threads: number;
}

/** How often loaded models are checked for a keep-loaded time that ran out. */
const KEEP_LOADED_CHECK_MS = 1000;

/** The embedded llama.cpp provider: GGUF files in a folder, loaded on first use, cached within a budget. */
export class LlamaCppProvider implements ModelProvider {
  readonly kind = "llama.cpp";
  readonly #loaded = new Map<string, Promise<LoadedModel>>();
  readonly #grammars: GrammarCache;
  #settings = new Map<string, ModelLoadSettings>();
  /** Models being loaded now. */
  readonly #loading = new Set<string>();
  readonly #keepLoadedCheck: NodeJS.Timeout;

  private constructor(
    readonly llama: Llama,
    readonly options: Required<Omit<LlamaCppOptions, "onModelLoaded" | "gpu" | "modelSettings">> &
      Pick<LlamaCppOptions, "onModelLoaded">,
    readonly gpuDevices: string[],
  ) {
    this.#grammars = new GrammarCache(llama);
    this.#keepLoadedCheck = setInterval(() => void this.#unloadExpired(), KEEP_LOADED_CHECK_MS);
    this.#keepLoadedCheck.unref();
  }

  get id(): string {
    return this.options.id;
  }

  static async create(options: LlamaCppOptions): Promise<LlamaCppProvider> {
    // "never": a source build is started on purpose (it takes minutes), never implicitly on a start.
    const llama = await getLlama({ gpu: options.gpu ?? "auto", build: "never", logLevel: LlamaLogLevel.error });
    const gpuDevices = llama.gpu === false ? [] : await llama.getGpuDeviceNames().catch(() => []);
    const provider = new LlamaCppProvider(
      llama,
      {
        id: options.id ?? "local",
        modelsDir: options.modelsDir,
        threads: options.threads ?? chooseThreads(llama.buildType),
        contextSize: options.contextSize ?? 4096,
        sequencesPerModel: options.sequencesPerModel ?? 1,
        memoryBudgetBytes: options.memoryBudgetBytes ?? Math.floor(availableMemory() / 2),
        ...(options.onModelLoaded ? { onModelLoaded: options.onModelLoaded } : {}),
      },
      gpuDevices,
    );
    provider.#settings = new Map(Object.entries(options.modelSettings ?? {}));
    return provider;
  }

  info(): LlamaCppInfo {
    return {
      buildType: this.llama.buildType,
      gpu: this.llama.gpu,
      gpuDevices: this.gpuDevices,
      threads: this.options.threads,
    };
  }

  /**
   * Replaces how models load. A loaded model whose load settings changed is unloaded now if idle,
   * otherwise once its calls are done; its next use loads it with the new ones.
   */
  async setModelSettings(settings: Readonly<Record<string, ModelLoadSettings>>): Promise<void> {
    this.#settings = new Map(Object.entries(settings));
    for (const entry of await Promise.allSettled([...this.#loaded.values()])) {
      if (entry.status !== "fulfilled") continue;
      const loaded = entry.value;
      if (this.#isStale(loaded) && loaded.slots.isIdle) await this.#drop(loaded);
    }
  }

  /** The models in memory and being loaded, and how they were loaded. */
  async loadedModels(): Promise<LoadedModelState[]> {
    const states: LoadedModelState[] = [...this.#loading].map((modelId) => ({
      modelId,
      state: "loading",
      contextSize: null,
      gpuLayers: null,
      chatFormat: null,
      busy: 0,
      waiting: 0,
      lastUsedAt: null,
      unloadsAt: null,
      isStale: false,
    }));
    for (const entry of await Promise.allSettled([...this.#loaded.values()])) {
      if (entry.status !== "fulfilled") continue;
      const loaded = entry.value;
      const keepSeconds = this.#settings.get(loaded.file.id)?.keepLoadedSeconds;
      states.push({
        modelId: loaded.file.id,
        state: "loaded",
        contextSize: loaded.context.contextSize,
        gpuLayers: loaded.model.gpuLayers,
        chatFormat: loaded.chatWrapper.wrapperName,
        busy: loaded.slots.inUse,
        waiting: loaded.slots.waiting,
        lastUsedAt: loaded.lastUsedAt,
        unloadsAt: keepSeconds === undefined ? null : loaded.lastUsedAt + keepSeconds * 1000,
        isStale: this.#isStale(loaded),
      });
    }
    return states.sort((a, b) => a.modelId.localeCompare(b.modelId));
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

  /**
   * Embeds one text after another; an abort stops before the next text (and rejects with its reason).
   * An empty text, which has no tokens to pool, gets a zero vector as wide as the others.
   */
  async #embed(modelId: string, texts: readonly string[], abortSignal?: AbortSignal): Promise<number[][]> {
    abortSignal?.throwIfAborted();
    const loaded = await this.#use(modelId);
    loaded.embeddingContext ??= createEmbeddingContext(loaded, this.options.threads);
    const context = await loaded.embeddingContext;
    const vectors: number[][] = [];
    for (const text of texts) {
      abortSignal?.throwIfAborted();
      const { vector } = await context.getEmbeddingFor(text);
      vectors.push(vector.length > 0 ? [...vector] : new Array(loaded.model.embeddingVectorSize).fill(0));
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
    await this.#drop(loaded);
    return "unloaded";
  }

  async close(): Promise<void> {
    clearInterval(this.#keepLoadedCheck);
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
      if (entry === undefined) entry = this.#startLoad(file);
    }
    let loaded = await entry;
    // Loaded with settings changed since, and nothing using it: loaded again, once, whoever asks first.
    if (this.#isStale(loaded) && loaded.slots.isIdle && this.#loaded.get(modelId) === entry) {
      const old = loaded;
      const file = loaded.file;
      this.#loaded.delete(modelId);
      entry = this.#startLoad(file, unload(old));
      loaded = await entry;
    } else if (this.#loaded.get(modelId) !== entry) {
      // Replaced meanwhile (reloaded with new settings): the current one.
      return this.#use(modelId);
    }
    loaded.lastUsedAt = Date.now();
    return loaded;
  }

  /** Registers the load at once, so concurrent first uses share it; `after` finishes first (an unload). */
  #startLoad(file: GgufFile, after?: Promise<void>): Promise<LoadedModel> {
    this.#loading.add(file.id);
    const entry = (after ?? Promise.resolve()).then(() => this.#load(file));
    this.#loaded.set(file.id, entry);
    entry.then(
      () => this.#loading.delete(file.id),
      () => {
        this.#loading.delete(file.id);
        if (this.#loaded.get(file.id) === entry) this.#loaded.delete(file.id);
      },
    );
    return entry;
  }

  #isStale(loaded: LoadedModel): boolean {
    return loaded.loadedWith !== loadSignature(this.#settings.get(loaded.file.id));
  }

  /** Takes a loaded model out and frees it. */
  async #drop(loaded: LoadedModel): Promise<void> {
    const entry = this.#loaded.get(loaded.file.id);
    if (entry !== undefined && (await entry.catch(() => undefined)) === loaded) this.#loaded.delete(loaded.file.id);
    await unload(loaded);
  }

  /** Unloads the idle models whose keep-loaded time has run out. */
  async #unloadExpired(): Promise<void> {
    const now = Date.now();
    for (const entry of await Promise.allSettled([...this.#loaded.values()])) {
      if (entry.status !== "fulfilled") continue;
      const loaded = entry.value;
      const keepSeconds = this.#settings.get(loaded.file.id)?.keepLoadedSeconds;
      if (keepSeconds === undefined || !loaded.slots.isIdle || now - loaded.lastUsedAt < keepSeconds * 1000) continue;
      await this.#drop(loaded).catch(() => {});
    }
  }

  async #load(file: GgufFile): Promise<LoadedModel> {
    await this.#makeRoomFor(file);
    const started = performance.now();
    const settings = this.#settings.get(file.id) ?? {};
    const loadedWith = loadSignature(settings);
    const model = await this.llama.loadModel({ modelPath: file.path, gpuLayers: settings.gpuLayers ?? "auto" });
    try {
      const context = await model.createContext({
        contextSize: Math.min(settings.contextSize ?? this.options.contextSize, model.trainContextSize),
        sequences: this.options.sequencesPerModel,
        threads: this.options.threads,
      });
      const chatWrapper = chatWrapperFor(model, settings.chatTemplate);
      this.options.onModelLoaded?.(file.id, (performance.now() - started) / 1000);
      return {
        file,
        model,
        chatWrapper,
        maxTokenBytes: maxTokenBytes(model),
        context,
        loadedWith,
        slots: new Slots(this.options.sequencesPerModel),
        idleSequences: [],
        lastUsedAt: Date.now(),
      };
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** Unloads idle models, least recently used first, until `file` fits in the budget (or none is idle). */
  async #makeRoomFor(file: GgufFile): Promise<void> {
    // Models still loading are left out: two loads waiting on each other would wait forever.
    const others = [...this.#loaded].filter(([id]) => id !== file.id && !this.#loading.has(id));
    const settled = await Promise.allSettled(others.map(([, entry]) => entry));
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

/**
 * The context that embeds with `loaded`'s model, as long as its chat context (the window
 * /v1/embeddings checks inputs against). Its batch is the whole context: llama.cpp pools each batch
 * on its own, so with node-llama-cpp's default batch (512 tokens) a longer text was embedded as its
 * last batch alone (and a model with non-causal attention refused it).
 */
function createEmbeddingContext(loaded: LoadedModel, threads: number): Promise<LlamaEmbeddingContext> {
  const contextSize = loaded.context.contextSize;
  return loaded.model.createEmbeddingContext({ contextSize, batchSize: contextSize, threads });
}

/** The settings a load reads, as text to compare (the keep-loaded time is read as it goes). */
function loadSignature(settings: ModelLoadSettings | undefined): string {
  const { contextSize = null, gpuLayers = "auto", chatTemplate = null } = settings ?? {};
  return JSON.stringify([contextSize, gpuLayers, chatTemplate]);
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

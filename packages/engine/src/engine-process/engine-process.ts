/**
 * @module The llama.cpp engine in a process of its own, behind the same ModelProvider port.
 *
 * Why a process: node-llama-cpp runs each decode as a job on libuv's thread pool (four threads), so
 * consecutive decodes run on different threads, and llama.cpp's OpenMP gives every calling thread a
 * thread team of its own: teams take turns and spin against each other on the same cores. In a
 * process whose pool has one thread, every decode comes from the same thread and team. Measured on
 * the 2-core machine (bench/batched.ts, README "Performance"): one sequence 2.1 against 3.4 ms a
 * token, eight batched sequences 540 against 290 tokens/s. Hearth's own process cannot shrink its pool
 * that way: logins (argon2), file reads, DNS lookups and logging share it, and would wait behind
 * decodes that take seconds on a large model. Apart, a crash inside llama.cpp also no longer takes
 * the server down: the engine's calls fail with a readable reason and the next use starts it again.
 *
 * And why OMP_WAIT_POLICY=passive when the engine's threads take every core: OpenMP's default lets
 * waiting threads spin, which is fastest on an idle machine (one sequence ≈ 400 against ≈ 200
 * tokens/s on the bench model) and collapses as soon as anything else wants the cores: with another
 * process busy, 1–25 tokens/s, and a server that must answer beside it. Passive waiting held 175–220
 * in the same runs. An OMP_WAIT_POLICY set by whoever starts Hearth is kept.
 */
import { type ChildProcess, fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { LlamaCppInfo, LlamaCppOptions } from "../llama-cpp/llama-cpp-provider.ts";
import { PushQueue } from "../llama-cpp/push-queue.ts";
import type { CallOptions, ContextWindow, EmbeddingModel, LanguageModel, StreamPart } from "../spec/language-model.ts";
import type { ModelDescriptor, ModelProvider } from "../spec/model-provider.ts";
import type { LoadedModelState, ModelLoadSettings } from "../spec/model-settings.ts";
import { ProviderUnavailableError } from "../spec/provider-unavailable-error.ts";
import type { EngineCalls, EngineMethod, FromEngine, ToEngine, UnloadOutcome } from "./protocol.ts";
import { fromWireError } from "./wire-error.ts";

export interface EngineProcessOptions extends LlamaCppOptions {
  /** Called once if the process ends without being closed (a crash); its calls have failed by then. */
  onExit?: (reason: string) => void;
}

/** How long `close` waits for the process to unload its models before it is killed. */
const CLOSE_TIMEOUT_MS = 10_000;

/** The engine process's script: beside this module, as TypeScript in the repo and as JavaScript once bundled. */
function engineEntry(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith(".ts"))
    return { file: fileURLToPath(new URL("./engine-child.ts", here)), execArgv: ["--import", "tsx"] };
  return { file: fileURLToPath(new URL("./engine-child.js", here)), execArgv: [] };
}

interface OpenStream {
  queue: PushQueue<StreamPart>;
  hasParts: boolean;
}

export class EngineProcess implements ModelProvider {
  readonly kind = "llama.cpp";
  readonly id: string;
  readonly #child: ChildProcess;
  readonly #info: LlamaCppInfo;
  readonly #options: EngineProcessOptions;
  readonly #calls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #streams = new Map<number, OpenStream>();
  #nextId = 1;
  /** Why the process is gone, once it is. */
  #ended: string | undefined;
  #isClosing = false;

  private constructor(child: ChildProcess, info: LlamaCppInfo, options: EngineProcessOptions) {
    this.#child = child;
    this.#info = info;
    this.#options = options;
    this.id = options.id ?? "local";
    child.on("message", (message: FromEngine) => this.#receive(message));
    child.on("exit", (code, signal) => this.#onExit(code, signal));
    // A message sent as the process dies fails with ERR_IPC_CHANNEL_CLOSED; its exit settles the calls.
    child.on("error", () => {});
  }

  /** Starts the engine process and resolves once llama.cpp is loaded in it. */
  static create(options: EngineProcessOptions): Promise<EngineProcess> {
    const { onModelLoaded: _, onExit: __, ...settings } = options;
    const entry = engineEntry();
    const child = fork(entry.file, [JSON.stringify(settings)], {
      execArgv: entry.execArgv,
      env: engineEnvironment(settings.threads),
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        reject(new Error(`The llama.cpp engine process ended while starting (${describeExit(code, signal)}).`));
      child.once("exit", onExit);
      child.once("error", reject);
      child.once("message", (message: FromEngine) => {
        child.off("exit", onExit);
        child.off("error", reject);
        if (message.kind === "ready") resolve(new EngineProcess(child, message.info, options));
        else {
          child.kill("SIGKILL");
          reject(message.kind === "start-failed" ? fromWireError(message.error) : new Error("engine did not start"));
        }
      });
    });
  }

  info(): LlamaCppInfo {
    return this.#info;
  }

  /** The engine process's id, for logs and for tests that end it. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Requests waiting for a sequence, over all loaded models. */
  queueDepth(): Promise<number> {
    return this.#call("queueDepth");
  }

  listModels(): Promise<ModelDescriptor[]> {
    return this.#call("listModels");
  }

  async loadModel(modelId: string): Promise<void> {
    await this.#call("loadModel", modelId);
  }

  unloadModel(modelId: string): Promise<UnloadOutcome> {
    return this.#call("unloadModel", modelId);
  }

  /** Replaces how models load: a model loaded otherwise reloads once idle (see LlamaCppProvider). */
  async setModelSettings(settings: Record<string, ModelLoadSettings>): Promise<void> {
    await this.#call("setModelSettings", settings);
  }

  loadedModels(): Promise<LoadedModelState[]> {
    return this.#call("loadedModels");
  }

  async languageModel(modelId: string): Promise<LanguageModel> {
    await this.#call("findModel", modelId);
    return {
      provider: this.id,
      modelId,
      contextWindow: () => this.#contextWindow(modelId),
      doStream: (options) => this.#stream(modelId, options),
    };
  }

  async embeddingModel(modelId: string): Promise<EmbeddingModel> {
    await this.#call("findModel", modelId);
    return {
      provider: this.id,
      modelId,
      doEmbed: (texts, options) => this.#callAbortable(options?.abortSignal, "embed", modelId, texts),
    };
  }

  /** Unloads the models and ends the process (killed if it does not end in time). */
  async close(): Promise<void> {
    if (this.#ended !== undefined) return;
    this.#isClosing = true;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), CLOSE_TIMEOUT_MS);
    await this.#call("close").catch(() => this.#child.kill("SIGKILL"));
    await exited;
    clearTimeout(timer);
  }

  async #contextWindow(modelId: string): Promise<ContextWindow> {
    const window = await this.#call("contextWindow", modelId);
    return {
      ...window,
      countMessageTokens: (message, stopAbove) => this.#call("countMessageTokens", modelId, message, stopAbove),
      countPromptTokens: (prompt, stopAbove, tools) =>
        this.#call("countPromptTokens", modelId, prompt, stopAbove, tools),
    };
  }

  async *#stream(modelId: string, options: CallOptions): AsyncIterable<StreamPart> {
    if (this.#ended !== undefined) throw this.#unavailable();
    const { abortSignal, ...rest } = options;
    const id = this.#nextId++;
    const stream: OpenStream = { queue: new PushQueue(), hasParts: false };
    this.#streams.set(id, stream);
    const abort = () => this.#post({ kind: "abort", id });
    let hasEnded = false;
    try {
      this.#post({ kind: "stream", id, modelId, options: rest });
      if (abortSignal?.aborted) abort();
      else abortSignal?.addEventListener("abort", abort, { once: true });
      yield* stream.queue;
      hasEnded = true;
    } finally {
      abortSignal?.removeEventListener("abort", abort);
      // The caller stopped reading early: the engine stops writing (what it still sends is dropped).
      if (!hasEnded) abort();
      this.#streams.delete(id);
    }
  }

  #call<M extends EngineMethod>(method: M, ...args: EngineCalls[M]["args"]): Promise<EngineCalls[M]["answer"]> {
    if (this.#ended !== undefined) return Promise.reject(this.#unavailable());
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#post({ kind: "call", id, method, args });
    });
  }

  /** A call the engine stops when `abortSignal` fires; it then rejects with the signal's reason at once. */
  async #callAbortable<M extends EngineMethod>(
    abortSignal: AbortSignal | undefined,
    method: M,
    ...args: EngineCalls[M]["args"]
  ): Promise<EngineCalls[M]["answer"]> {
    if (abortSignal === undefined) return this.#call(method, ...args);
    abortSignal.throwIfAborted();
    const id = this.#nextId;
    const answer = this.#call(method, ...args);
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        this.#post({ kind: "abort", id });
        reject(abortSignal.reason);
      };
    });
    abortSignal.addEventListener("abort", onAbort, { once: true });
    try {
      return await Promise.race([answer, aborted]);
    } finally {
      abortSignal.removeEventListener("abort", onAbort);
      // The engine's late answer or failure finds no caller and is dropped.
      answer.catch(() => {});
    }
  }

  #post(message: ToEngine): void {
    if (this.#ended === undefined && this.#child.connected) this.#child.send(message);
  }

  #receive(message: FromEngine): void {
    switch (message.kind) {
      case "answer":
        this.#settle(message.id)?.resolve(message.value);
        break;
      case "failure": {
        this.#settle(message.id)?.reject(fromWireError(message.error));
        this.#streams.get(message.id)?.queue.fail(fromWireError(message.error));
        break;
      }
      case "part": {
        const stream = this.#streams.get(message.id);
        if (stream === undefined) break;
        stream.hasParts = true;
        stream.queue.push(message.part);
        break;
      }
      case "end":
        this.#streams.get(message.id)?.queue.end();
        break;
      case "model-loaded":
        this.#options.onModelLoaded?.(message.modelId, message.seconds);
        break;
    }
  }

  #settle(id: number) {
    const call = this.#calls.get(id);
    this.#calls.delete(id);
    return call;
  }

  #unavailable(): ProviderUnavailableError {
    return new ProviderUnavailableError(this.id, this.#ended ?? "The llama.cpp engine process is not running.");
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#ended = this.#isClosing
      ? "The llama.cpp engine was closed."
      : `The llama.cpp engine process stopped (${describeExit(code, signal)}); it starts again on the next request.`;
    const error = this.#unavailable();
    for (const call of this.#calls.values()) call.reject(error);
    this.#calls.clear();
    // A reply that began ends as an error, as any provider's does; one that had not begun fails.
    for (const stream of this.#streams.values()) {
      if (!stream.hasParts) stream.queue.fail(error);
      else {
        stream.queue.push({
          type: "finish",
          finishReason: "error",
          usage: { inputTokens: 0, outputTokens: 0 },
          error: error.reason,
        });
        stream.queue.end();
      }
    }
    if (!this.#isClosing) this.#options.onExit?.(this.#ended);
  }
}

/** The engine process's environment: one pool thread, and no spinning on a full machine (see above). */
function engineEnvironment(threads: number | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, UV_THREADPOOL_SIZE: "1" };
  const cores = availableParallelism();
  if (env.OMP_WAIT_POLICY === undefined && (threads ?? cores) >= cores) env.OMP_WAIT_POLICY = "passive";
  return env;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal === null ? `exit code ${code}` : `signal ${signal}`;
}

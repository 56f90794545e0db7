import type { Logger } from "@hearth/core";
import {
  EngineProcess,
  hasLocalBuild,
  type LlamaCppInfo,
  type LocalBuild,
  type LocalBuildStatus,
  type ModelLoadSettings,
  missingBuildTools,
  startLocalBuild,
} from "@hearth/engine";
import type { Config } from "./config.ts";
import type { Metrics } from "./metrics.ts";

/** Seconds after start before a background build begins, so a start is never slowed by one. */
const BUILD_DELAY_MS = 30_000;
const SWITCH_POLL_MS = 2_000;
/** How often to look for a build made by someone else (`npm run build-llama`, another server). */
const WATCH_MS = 60_000;

/**
 * The llama.cpp engine of this server, in a process of its own (EngineProcess says why): started on
 * first use (loading llama.cpp costs memory), started again after a crash on the next use, and
 * replaced by a faster local build once one is compiled, in the background or by
 * `npm run build-llama`, as soon as no reply is being written.
 */
export class EngineHolder {
  #engine: Promise<EngineProcess> | undefined;
  /** The engine once it has started, until it is replaced. */
  #started: EngineProcess | undefined;
  #status: LocalBuildStatus = { state: "none", detail: "Not checked yet." };
  #build: LocalBuild | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(
    private readonly deps: {
      config: Config;
      logger: Logger;
      metrics: Metrics;
      /** Whether a switch may happen now: nothing is using the engine. */
      isIdle: () => boolean;
      /** How admins have set the models to load (the database's model_settings), read at each start and change. */
      modelSettings: () => Promise<Record<string, ModelLoadSettings>>;
    },
  ) {}

  get = (): Promise<EngineProcess> => {
    const { config, metrics, logger } = this.deps;
    if (this.#engine === undefined) {
      const created = EngineProcess.create({
        modelsDir: config.modelsDir as string,
        contextSize: config.engine.contextSize,
        sequencesPerModel: config.engine.sequencesPerModel,
        gpu: config.engine.gpu === "off" ? false : "auto",
        ...(config.engine.threads ? { threads: config.engine.threads } : {}),
        ...(config.engine.memoryBudgetMb ? { memoryBudgetBytes: config.engine.memoryBudgetMb * 1024 * 1024 } : {}),
        onModelLoaded: (modelId, seconds) => {
          metrics.observeModelLoad(modelId, seconds);
          logger.info({ modelId, seconds }, "model loaded");
        },
        // A crash in llama.cpp ends only its process: the next use starts a new one.
        onExit: (reason) => {
          logger.error({ reason }, "llama.cpp engine process stopped");
          if (this.#engine !== engine) return;
          this.#engine = undefined;
          this.#started = undefined;
        },
      });
      // Told how to load the models before any use.
      const engine: Promise<EngineProcess> = created.then(async (started) => {
        await started.setModelSettings(await this.#modelSettings());
        return started;
      });
      this.#engine = engine;
      engine.then(
        (started) => {
          if (this.#engine === engine) this.#started = started;
          metrics.setQueueDepthSource(() => started.queueDepth());
          logger.info(started.info(), "llama.cpp engine started");
        },
        // A failed start (a broken binary) is retried on the next use rather than cached.
        () => {
          if (this.#engine === engine) this.#engine = undefined;
        },
      );
    }
    return this.#engine;
  };

  /** Tells the engine, once it runs, the model settings as they are now (after an admin changed them). */
  async pushModelSettings(): Promise<void> {
    const engine = await this.#engine?.catch(() => undefined);
    if (engine === undefined) return;
    await engine
      .setModelSettings(await this.#modelSettings())
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, "passing model settings to llama.cpp failed"));
  }

  async #modelSettings(): Promise<Record<string, ModelLoadSettings>> {
    return this.deps.modelSettings().catch((error: unknown) => {
      this.deps.logger.warn({ err: error }, "reading the model settings failed; models load with the defaults");
      return {};
    });
  }

  /** The engine if it has started; undefined while it is not running (it starts on a model's first use). */
  started = (): EngineProcess | undefined => this.#started;

  /** The llama.cpp binary in use and its threads; undefined while the engine is not running. */
  info = (): LlamaCppInfo | undefined => this.#started?.info();

  /** Whether a local build is in use, being made, or why not. */
  localBuild(): LocalBuildStatus {
    return this.#status;
  }

  /** Looks for a local build; where there is none and a compiler is, compiles one in the background. */
  async prepare(): Promise<void> {
    if (await hasLocalBuild()) {
      this.#status = { state: "ready", detail: "llama.cpp compiled on this machine is used." };
      return;
    }
    if (this.deps.config.engine.localBuild === "off") {
      this.#status = {
        state: "none",
        detail: "The prebuilt binary is used. `npm run build-llama` compiles a faster one for this machine.",
      };
      this.#watchForBuild();
      return;
    }
    const missing = await missingBuildTools();
    if (missing.length > 0) {
      this.#status = {
        state: "none",
        detail: `The prebuilt binary is used. Install ${missing.join(", ")} to let Hearth compile a faster one.`,
      };
      this.#watchForBuild();
      return;
    }
    this.#status = {
      state: "building",
      detail: "A build for this machine starts shortly; the prebuilt runs until then.",
    };
    this.#after(BUILD_DELAY_MS, () => void this.#compile());
  }

  /** Replaces the running engine by a fresh one (which loads the newest build) once it is idle. */
  reloadWhenIdle(): Promise<void> {
    return new Promise((resolve) => {
      const attempt = () => {
        if (this.#closed) return resolve();
        if (!this.deps.isIdle()) return this.#after(SWITCH_POLL_MS, attempt);
        const old = this.#engine;
        this.#engine = undefined;
        this.#started = undefined;
        void old
          ?.then((engine) => engine.close())
          .catch((error: unknown) => this.deps.logger.warn({ err: error }, "closing the old engine failed"));
        resolve();
      };
      attempt();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#build?.stop();
    await (await this.#engine?.catch(() => undefined))?.close();
  }

  async #compile(): Promise<void> {
    if (this.#closed) return;
    const { logger } = this.deps;
    const started = performance.now();
    const build = await startLocalBuild({ onOutput: (line) => logger.debug({ line }, "llama.cpp build") });
    if (build === undefined) {
      this.#status = { state: "building", detail: "Another process is compiling llama.cpp; it is used once done." };
      this.#watchForBuild();
      return;
    }
    this.#build = build;
    this.#status = { state: "building", detail: "Compiling llama.cpp for this machine; the prebuilt runs until then." };
    logger.info({}, "compiling llama.cpp for this machine in the background");
    const ok = await build.done;
    this.#build = undefined;
    if (this.#closed) return;
    const seconds = Math.round((performance.now() - started) / 1000);
    if (!ok || !(await hasLocalBuild())) {
      this.#status = {
        state: "failed",
        detail: "Compiling llama.cpp failed; the prebuilt binary stays in use. `npm run build-llama` shows why.",
      };
      logger.warn({ seconds }, "llama.cpp build failed");
      return;
    }
    logger.info({ seconds }, "llama.cpp compiled; switching to it when no reply is being written");
    await this.reloadWhenIdle();
    this.#status = { state: "ready", detail: `llama.cpp compiled on this machine (in ${seconds} s) is used.` };
  }

  /** Switches to a build that someone else finishes. */
  #watchForBuild(): void {
    this.#after(WATCH_MS, () => {
      void hasLocalBuild().then(async (exists) => {
        if (!exists) return this.#watchForBuild();
        this.deps.logger.info({}, "a local llama.cpp build appeared; switching to it when no reply is being written");
        await this.reloadWhenIdle();
        this.#status = { state: "ready", detail: "llama.cpp compiled on this machine is used." };
      });
    });
  }

  #after(ms: number, work: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      work();
    }, ms);
    timer.unref();
    this.#timers.add(timer);
  }
}

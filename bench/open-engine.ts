/**
 * The engine as Hearth runs it (EngineProcess: llama.cpp in a process of its own), as the bench measures
 * it: on the CPU, on the bench's models, on a local build.
 */
import { EngineProcess } from "@hearth/engine";

/** Thrown when the engine runs the prebuilt binary and the caller asked for a local build. */
export class NoLocalBuildError extends Error {}

export interface EngineOptions {
  modelsDir: string;
  /** By default what the engine chooses for this machine; read it back from `info()`. */
  threads: number | undefined;
  contextSize: number;
  sequencesPerModel?: number;
  /**
   * Refuse the prebuilt binary: a comparison with llama.cpp's tools built from source would then
   * measure two builds, not Hearth's overhead (sections are skipped instead).
   */
  requireLocalBuild: boolean;
}

export async function openEngine(options: EngineOptions, progress: (message: string) => void): Promise<EngineProcess> {
  const provider = await EngineProcess.create({
    modelsDir: options.modelsDir,
    gpu: false,
    contextSize: options.contextSize,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.sequencesPerModel === undefined ? {} : { sequencesPerModel: options.sequencesPerModel }),
  });
  if (provider.info().buildType === "localBuild") return provider;
  if (options.requireLocalBuild) {
    await provider.close();
    throw new NoLocalBuildError(
      "the engine runs node-llama-cpp's prebuilt binary, not a build from the source llama.cpp's tools are " +
        "built from; run `npm run build-llama` first (needs cmake, g++ and git, ≈ 4 min on 2 cores)",
    );
  }
  progress("  warning: the engine uses the prebuilt binary, not a build from the source llama-bench is built from");
  return provider;
}

import { availableParallelism } from "node:os";

/**
 * Threads for CPU inference. node-llama-cpp's default of max(4, cores) collapsed a 2-core machine to
 * 1/150 of its speed (FACTS.md). The prebuilt binary has no OpenMP and spawns threads per token: there
 * one thread per two cores did best; a local build (OpenMP) uses every core.
 */
export function chooseThreads(buildType: "localBuild" | "prebuilt", cores = availableParallelism()): number {
  return buildType === "localBuild" ? Math.max(1, cores) : Math.max(1, Math.floor(cores / 2));
}

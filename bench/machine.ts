import { availableParallelism, cpus, loadavg } from "node:os";

/** What a benchmark ran on, and how busy the machine was (other work skews every figure). */
export function describeMachine() {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg()[0] ?? 0,
  };
}

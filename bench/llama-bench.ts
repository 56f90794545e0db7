/** llama.cpp's `llama-bench` (see llama-tools.ts), run on a GGUF: the engine section's baseline. */
import { runCommand, toolEnvironment } from "./llama-tools.ts";
import { median } from "./report.ts";

export interface LlamaBenchFigures {
  promptTokensPerSecond: number;
  promptStddev: number;
  generationTokensPerSecond: number;
  generationStddev: number;
  /** tg128 after a 512-token context (`-d 512`), as the engine generates after its prompt. */
  generationAtDepthTokensPerSecond: number;
  generationAtDepthStddev: number;
  /** See toolEnvironment. */
  ompWaitPolicy: string;
  buildCommit: string;
  modelBytes: number;
  modelParameters: number;
}

/**
 * `llama-bench -p 512 -n 128 -o json`: prompt (pp512) and generation (tg128) tokens per second; then
 * `-p 0 -n 128 -d 512`: generation after 512 tokens of context, which on a small model is about half as fast
 * (attention over the context), and is what the engine does after its 512-token prompt. Each figure is the
 * median of the repetitions, as the engine's are: on a shared machine one repetition whose threads were
 * descheduled mid-barrier can run several times slower and drag a mean far off.
 */
export async function runLlamaBench(
  binary: string,
  modelPath: string,
  threads: number,
  repetitions: number,
): Promise<LlamaBenchFigures> {
  const { env, ompWaitPolicy } = toolEnvironment(threads);
  const args = ["-m", modelPath, "-t", String(threads), "-p", "512", "-n", "128", "-r", String(repetitions)];
  const stdout = await runCommand(binary, [...args, "-o", "json"], { captureStdout: true, quiet: true, env });
  const results = parseResults(stdout);
  const prompt = results.find((result) => result.n_prompt === 512 && result.n_gen === 0);
  const generation = results.find((result) => result.n_prompt === 0 && result.n_gen === 128);
  if (prompt === undefined || generation === undefined) {
    throw new Error(`llama-bench printed no pp512 and tg128 results: ${stdout.slice(0, 500)}`);
  }
  const depthArgs = ["-m", modelPath, "-t", String(threads), "-p", "0", "-n", "128", "-d", "512"];
  const depthStdout = await runCommand(binary, [...depthArgs, "-r", String(repetitions), "-o", "json"], {
    captureStdout: true,
    quiet: true,
    env,
  });
  const atDepth = parseResults(depthStdout).find((result) => result.n_prompt === 0 && result.n_gen === 128);
  if (atDepth === undefined)
    throw new Error(`llama-bench printed no tg128 @ d512 result: ${depthStdout.slice(0, 500)}`);
  return {
    promptTokensPerSecond: prompt.median_ts,
    promptStddev: prompt.stddev_ts,
    generationTokensPerSecond: generation.median_ts,
    generationStddev: generation.stddev_ts,
    generationAtDepthTokensPerSecond: atDepth.median_ts,
    generationAtDepthStddev: atDepth.stddev_ts,
    ompWaitPolicy,
    buildCommit: prompt.build_commit,
    modelBytes: prompt.model_size,
    modelParameters: prompt.model_n_params,
  };
}

interface LlamaBenchResult {
  n_prompt: number;
  n_gen: number;
  median_ts: number;
  stddev_ts: number;
  build_commit: string;
  model_size: number;
  model_n_params: number;
}

function parseResults(stdout: string): LlamaBenchResult[] {
  const parsed: unknown = JSON.parse(stdout);
  if (!Array.isArray(parsed)) throw new Error("llama-bench's JSON output is not an array.");
  return parsed.map((entry: Record<string, unknown>) => ({
    n_prompt: Number(entry.n_prompt),
    n_gen: Number(entry.n_gen),
    median_ts: Array.isArray(entry.samples_ts) ? median(entry.samples_ts.map(Number)) : Number(entry.avg_ts),
    stddev_ts: Number(entry.stddev_ts),
    build_commit: String(entry.build_commit ?? "unknown"),
    model_size: Number(entry.model_size),
    model_n_params: Number(entry.model_n_params),
  }));
}

/**
 * llama.cpp's `llama-batched-bench` (see llama-tools.ts): what batching parallel sequences into one
 * decode can give on this machine, the limit the engine's batched figures are set against.
 */
import { runCommand, toolEnvironment } from "./llama-tools.ts";
import { median } from "./report.ts";

export interface BatchedBenchRow {
  /** Sequences decoded together (`-npl`). */
  parallel: number;
  promptTokens: number;
  generatedTokens: number;
  /** Generated tokens of all sequences ÷ the time spent generating them (llama.cpp's S_TG). */
  generationTokensPerSecond: number;
  /** Generated tokens of all sequences ÷ the whole time, prompts included: what the engine's figures count. */
  generatedPerWallSecond: number;
  seconds: number;
}

export interface BatchedBenchFigures {
  single: BatchedBenchRow;
  parallel: BatchedBenchRow;
  /** Medians over `repetitions` runs (the tool itself runs each case once). */
  repetitions: number;
  /** See toolEnvironment. */
  ompWaitPolicy: string;
}

/**
 * `llama-batched-bench -npp <prompt> -ntg <generated> -npl 1,<parallel> --output-format jsonl`, with a
 * context just large enough for every sequence (`-c parallel × (prompt + generated)`), `repetitions`
 * times; each figure is the median.
 */
export async function runBatchedBench(
  binary: string,
  settings: { modelPath: string; threads: number; promptTokens: number; generatedTokens: number; parallel: number },
  repetitions: number,
): Promise<BatchedBenchFigures> {
  const { promptTokens, generatedTokens, parallel } = settings;
  const args = ["-m", settings.modelPath, "-t", String(settings.threads)];
  args.push("-c", String(parallel * (promptTokens + generatedTokens)));
  args.push("-npp", String(promptTokens), "-ntg", String(generatedTokens), "-npl", `1,${parallel}`);
  args.push("--output-format", "jsonl");
  const { env, ompWaitPolicy } = toolEnvironment(settings.threads);
  const runs: BatchedBenchRow[][] = [];
  for (let repetition = 0; repetition < repetitions; repetition++) {
    const stdout = await runCommand(binary, args, { captureStdout: true, quiet: true, env });
    runs.push(parseRows(stdout));
  }
  const pick = (count: number): BatchedBenchRow => {
    const rows = runs.map((rowsOfRun) => rowsOfRun.find((row) => row.parallel === count));
    if (rows.some((row) => row === undefined)) {
      throw new Error(`llama-batched-bench printed no result for ${count} sequence(s); is -c too small?`);
    }
    const found = rows as BatchedBenchRow[];
    const middle = (field: keyof BatchedBenchRow) => median(found.map((row) => row[field]));
    return {
      parallel: count,
      promptTokens,
      generatedTokens,
      generationTokensPerSecond: middle("generationTokensPerSecond"),
      generatedPerWallSecond: middle("generatedPerWallSecond"),
      seconds: middle("seconds"),
    };
  };
  return { single: pick(1), parallel: pick(parallel), repetitions, ompWaitPolicy };
}

/** Its JSON lines: `{"pp":…,"tg":…,"pl":…,"t_tg":…,"speed_tg":…,"t":…,…}`, among other log lines. */
function parseRows(stdout: string): BatchedBenchRow[] {
  const rows: BatchedBenchRow[] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    const number = (key: string) => {
      const value = Number(entry[key]);
      if (!Number.isFinite(value)) throw new Error(`llama-batched-bench printed a line without ${key}: ${line}`);
      return value;
    };
    const parallel = number("pl");
    const generatedTokens = number("tg");
    const seconds = number("t");
    rows.push({
      parallel,
      promptTokens: number("pp"),
      generatedTokens,
      generationTokensPerSecond: number("speed_tg"),
      generatedPerWallSecond: (parallel * generatedTokens) / seconds,
      seconds,
    });
  }
  return rows;
}

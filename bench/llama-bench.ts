/**
 * llama.cpp's own `llama-bench`, built from the llama.cpp source that node-llama-cpp ships (the source
 * `npm run build-llama` compiled the engine from), into node_modules/.cache, and run on a GGUF.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface LlamaBenchFigures {
  promptTokensPerSecond: number;
  promptStddev: number;
  generationTokensPerSecond: number;
  generationStddev: number;
  /** tg128 after a 512-token context (`-d 512`), as the engine generates after its prompt. */
  generationAtDepthTokensPerSecond: number;
  generationAtDepthStddev: number;
  buildCommit: string;
  modelBytes: number;
  modelParameters: number;
}

/** Thrown when a prerequisite is missing; its message says what to do. */
export class LlamaBenchUnavailableError extends Error {}

const SOURCE_CANDIDATES = [
  "node_modules/node-llama-cpp/llama",
  "packages/engine/node_modules/node-llama-cpp/llama",
] as const;

/** The llama.cpp source dir, and a stamp that changes when node-llama-cpp ships another source. */
export async function findLlamaCppSource(root: string): Promise<{ sourceDir: string; stamp: string }> {
  for (const candidate of SOURCE_CANDIDATES) {
    const llamaDir = join(root, candidate);
    const sourceDir = join(llamaDir, "llama.cpp");
    if (!(await exists(join(sourceDir, "CMakeLists.txt")))) continue;
    const read = (path: string) => readFile(path, "utf8").catch(() => "");
    const version = (JSON.parse((await read(join(llamaDir, "../package.json"))) || "{}") as { version?: string })
      .version;
    const release = (await read(join(llamaDir, "llama.cpp.info.json"))).trim();
    return { sourceDir, stamp: JSON.stringify({ sourceDir, nodeLlamaCpp: version ?? "unknown", release }) };
  }
  throw new LlamaBenchUnavailableError(
    "The llama.cpp source is not there (looked in " +
      `${SOURCE_CANDIDATES.map((candidate) => `${candidate}/llama.cpp`).join(", ")}). ` +
      "Run `npm run build-llama` first: it downloads nothing, unpacks the source node-llama-cpp ships and builds " +
      "the engine's local binary from it (needs cmake and g++, ≈ 4 min on 2 cores).",
  );
}

/**
 * Returns the path of `llama-bench`, building it first unless a build from the same source exists.
 * cmake's output goes to stderr.
 */
export async function ensureLlamaBench(
  buildDir: string,
  source: { sourceDir: string; stamp: string },
  progress: (message: string) => void,
): Promise<string> {
  const binary = join(buildDir, "bin", "llama-bench");
  const stampFile = join(buildDir, "hearth-source-stamp.json");
  const stamp = await readFile(stampFile, "utf8").catch(() => undefined);
  if (stamp === source.stamp && (await exists(binary))) {
    progress(`reusing ${binary}`);
    return binary;
  }
  progress(`building llama-bench from ${source.sourceDir} into ${buildDir} (a few minutes on 2 cores)`);
  await runCommand("cmake", [
    "-S",
    source.sourceDir,
    "-B",
    buildDir,
    "-DCMAKE_BUILD_TYPE=Release",
    "-DGGML_NATIVE=ON",
    "-DLLAMA_CURL=OFF",
    "-DGGML_OPENMP=ON",
  ]);
  await runCommand("cmake", ["--build", buildDir, "--target", "llama-bench", "-j", "2"]);
  if (!(await exists(binary))) throw new Error(`cmake finished but ${binary} is not there.`);
  await writeFile(stampFile, source.stamp);
  return binary;
}

/**
 * `llama-bench -p 512 -n 128 -o json`: prompt (pp512) and generation (tg128) tokens per second; then
 * `-p 0 -n 128 -d 512`: generation after 512 tokens of context, which on a small model is about half as fast
 * (attention over the context), and is what the engine does after its 512-token prompt.
 */
export async function runLlamaBench(
  binary: string,
  modelPath: string,
  threads: number,
  repetitions: number,
): Promise<LlamaBenchFigures> {
  const args = ["-m", modelPath, "-t", String(threads), "-p", "512", "-n", "128", "-r", String(repetitions)];
  const stdout = await runCommand(binary, [...args, "-o", "json"], { captureStdout: true });
  const results = parseResults(stdout);
  const prompt = results.find((result) => result.n_prompt === 512 && result.n_gen === 0);
  const generation = results.find((result) => result.n_prompt === 0 && result.n_gen === 128);
  if (prompt === undefined || generation === undefined) {
    throw new Error(`llama-bench printed no pp512 and tg128 results: ${stdout.slice(0, 500)}`);
  }
  const depthArgs = ["-m", modelPath, "-t", String(threads), "-p", "0", "-n", "128", "-d", "512"];
  const depthStdout = await runCommand(binary, [...depthArgs, "-r", String(repetitions), "-o", "json"], {
    captureStdout: true,
  });
  const atDepth = parseResults(depthStdout).find((result) => result.n_prompt === 0 && result.n_gen === 128);
  if (atDepth === undefined)
    throw new Error(`llama-bench printed no tg128 @ d512 result: ${depthStdout.slice(0, 500)}`);
  return {
    promptTokensPerSecond: prompt.avg_ts,
    promptStddev: prompt.stddev_ts,
    generationTokensPerSecond: generation.avg_ts,
    generationStddev: generation.stddev_ts,
    generationAtDepthTokensPerSecond: atDepth.avg_ts,
    generationAtDepthStddev: atDepth.stddev_ts,
    buildCommit: prompt.build_commit,
    modelBytes: prompt.model_size,
    modelParameters: prompt.model_n_params,
  };
}

interface LlamaBenchResult {
  n_prompt: number;
  n_gen: number;
  avg_ts: number;
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
    avg_ts: Number(entry.avg_ts),
    stddev_ts: Number(entry.stddev_ts),
    build_commit: String(entry.build_commit ?? "unknown"),
    model_size: Number(entry.model_size),
    model_n_params: Number(entry.model_n_params),
  }));
}

/** Runs a command with stderr (and stdout unless captured) on our stderr; resolves with captured stdout. */
async function runCommand(command: string, args: string[], { captureStdout = false } = {}): Promise<string> {
  const child = spawn(command, args, { stdio: ["ignore", captureStdout ? "pipe" : 2, 2] });
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
  const code = await waitForExit(child).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new LlamaBenchUnavailableError(
        `${command} is not installed; building llama-bench needs cmake and a C++ compiler (g++).`,
      );
    }
    throw error;
  });
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}`);
  return Buffer.concat(chunks).toString("utf8");
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(signal === null ? code : null));
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * llama.cpp's own tools (`llama-bench`, `llama-server`, `llama-batched-bench`), built from the llama.cpp
 * source that node-llama-cpp ships (the source `npm run build-llama` compiled the engine from) into
 * node_modules/.cache: the baselines every engine figure of the bench is measured against.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { access, readFile, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";

/** Thrown when a prerequisite is missing; its message says what to do. */
export class LlamaToolsUnavailableError extends Error {}

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
  throw new LlamaToolsUnavailableError(
    "The llama.cpp source is not there (looked in " +
      `${SOURCE_CANDIDATES.map((candidate) => `${candidate}/llama.cpp`).join(", ")}). ` +
      "Run `npm run build-llama` first: it downloads nothing, unpacks the source node-llama-cpp ships and builds " +
      "the engine's local binary from it (needs cmake and g++, ≈ 4 min on 2 cores).",
  );
}

/** The llama.cpp programs the bench builds from that source: all from one build dir and one configure. */
export type LlamaTool = "llama-bench" | "llama-server" | "llama-batched-bench";

/** What a build dir holds: the source it was built from, and which tools were built from it. */
interface BuildStamp {
  source: string;
  tools: string[];
}

/**
 * Returns the paths of `tools`, building those not yet built from the same source (a few minutes the
 * first time; all missing ones in one cmake run). cmake's output goes to stderr.
 */
export async function ensureLlamaTools<Tool extends LlamaTool>(
  buildDir: string,
  source: { sourceDir: string; stamp: string },
  tools: readonly Tool[],
  progress: (message: string) => void,
): Promise<Record<Tool, string>> {
  const binaries = Object.fromEntries(tools.map((tool) => [tool, join(buildDir, "bin", tool)])) as Record<Tool, string>;
  const stampFile = join(buildDir, "hearth-source-stamp.json");
  const built = readStamp(await readFile(stampFile, "utf8").catch(() => undefined));
  // A tool counts as built only from this source: the others share its freshly rebuilt libraries.
  const fromThisSource = built?.source === source.stamp ? built.tools : [];
  const missing: Tool[] = [];
  for (const tool of tools) {
    if (!fromThisSource.includes(tool) || !(await exists(binaries[tool]))) missing.push(tool);
  }
  if (missing.length === 0) {
    progress(`reusing ${tools.join(", ")} in ${join(buildDir, "bin")}`);
    return binaries;
  }
  progress(`building ${missing.join(", ")} from ${source.sourceDir} into ${buildDir} (minutes on 2 cores)`);
  await runCommand("cmake", [
    "-S",
    source.sourceDir,
    "-B",
    buildDir,
    "-DCMAKE_BUILD_TYPE=Release",
    "-DGGML_NATIVE=ON",
    "-DLLAMA_CURL=OFF",
    "-DGGML_OPENMP=ON",
    // llama-server without its web UI (which it would download) and without HTTPS (a local benchmark).
    "-DLLAMA_BUILD_SERVER=ON",
    "-DLLAMA_BUILD_UI=OFF",
    "-DLLAMA_USE_PREBUILT_UI=OFF",
    "-DLLAMA_OPENSSL=OFF",
  ]);
  await runCommand("cmake", ["--build", buildDir, "--target", ...missing, "-j", "2"]);
  for (const tool of missing) {
    if (!(await exists(binaries[tool]))) throw new Error(`cmake finished but ${binaries[tool]} is not there.`);
  }
  const stamp: BuildStamp = { source: source.stamp, tools: [...new Set([...fromThisSource, ...missing])] };
  await writeFile(stampFile, JSON.stringify(stamp));
  return binaries;
}

/** A stamp written before the bench built more than llama-bench holds the source stamp alone. */
function readStamp(text: string | undefined): BuildStamp | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<BuildStamp>;
    if (typeof parsed.source === "string" && Array.isArray(parsed.tools)) {
      return { source: parsed.source, tools: parsed.tools.map(String) };
    }
  } catch {
    // Not JSON: not a stamp this code wrote, so nothing in the dir is trusted.
    return undefined;
  }
  return { source: text, tools: ["llama-bench"] };
}

export interface CommandOptions {
  /** Resolve with its stdout instead of passing it to our stderr. */
  captureStdout?: boolean;
  /** Keep its stderr (llama.cpp's load log) to ourselves, quoting its end only if it fails. */
  quiet?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command with stderr (and stdout unless captured) on our stderr; resolves with captured stdout. */
export async function runCommand(command: string, args: string[], options: CommandOptions = {}): Promise<string> {
  const { captureStdout = false, quiet = false, env = process.env } = options;
  const child = spawn(command, args, { env, stdio: ["ignore", captureStdout ? "pipe" : 2, quiet ? "pipe" : 2] });
  const chunks: Buffer[] = [];
  let errorTail = "";
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on("data", (chunk: Buffer) => {
    errorTail = (errorTail + chunk.toString("utf8")).slice(-2000);
  });
  const code = await waitForExit(child).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new LlamaToolsUnavailableError(
        `${command} is not installed; building llama.cpp's tools needs cmake and a C++ compiler (g++).`,
      );
    }
    throw error;
  });
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${code}${quiet ? `: ${errorTail}` : ""}`);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The environment llama.cpp's tools run in, and the OMP_WAIT_POLICY it holds. With as many threads as
 * cores, OpenMP's default spin-waiting collapsed them whenever anything else ran on the machine (the
 * client of llama-server, other work): llama-bench's tg128 at depth 512 gave 4–55 tok/s against 73–121
 * with passive waits, llama-server's streamed generation 3–43 against 70–193 (2 shared cores, 2
 * threads, the bench model, 2026-12-02). So with no core to spare they wait passively; with one, the
 * default stays. An OMP_WAIT_POLICY already set is passed on as it is. The engine is left as it is.
 */
export function toolEnvironment(threads: number): { env: NodeJS.ProcessEnv; ompWaitPolicy: string } {
  const given = process.env.OMP_WAIT_POLICY;
  if (given) return { env: process.env, ompWaitPolicy: given };
  if (threads < availableParallelism()) return { env: process.env, ompWaitPolicy: "default" };
  return { env: { ...process.env, OMP_WAIT_POLICY: "passive" }, ompWaitPolicy: "passive" };
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

/**
 * Under node_modules/.cache: ignored by git, Biome and knip (a cmake build dir holds files named `*.ts`),
 * and wiped with the llama.cpp source it was built from when node_modules is reinstalled.
 */
export function llamaToolsBuildDir(root: string): string {
  return join(root, "node_modules/.cache/hearth-llama-bench");
}

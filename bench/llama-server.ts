/**
 * llama.cpp's own `llama-server` (see llama-tools.ts) as a child process on one GGUF: the baseline of
 * the /v1 figures, and the lead "run llama.cpp's server per model" of the engine figures.
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { undoOnInterrupt } from "./cleanup.ts";
import { toolEnvironment } from "./llama-tools.ts";
import { findFreePort } from "./server-process.ts";

export interface LlamaServer {
  baseUrl: string;
  /** The OMP_WAIT_POLICY it runs with (see toolEnvironment). */
  ompWaitPolicy: string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it exited. */
  stop(): Promise<void>;
}

export interface LlamaServerSettings {
  modelPath: string;
  threads: number;
  /** Tokens of context per slot (`-c`; with one slot, the whole context). */
  contextSize: number;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
/** What is kept of its log, to say why it failed. */
const LOG_TAIL_BYTES = 4096;

/** `llama-server -m … -t … -c … -np 1`, on a free loopback port; resolves once /health answers 200. */
export async function startLlamaServer(binary: string, settings: LlamaServerSettings): Promise<LlamaServer> {
  const port = await findFreePort();
  const args = ["-m", settings.modelPath, "-t", String(settings.threads), "-c", String(settings.contextSize)];
  args.push("-np", "1", "--host", "127.0.0.1", "--port", String(port), "--no-webui");
  const { env, ompWaitPolicy } = toolEnvironment(settings.threads);
  // Its log goes nowhere but a short tail: it writes a line per request, which would bury the bench's.
  const child = spawn(binary, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let logTail = "";
  child.stderr.on("data", (chunk: Buffer) => {
    logTail = (logTail + chunk.toString("utf8")).slice(-LOG_TAIL_BYTES);
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const forget = undoOnInterrupt(() => stop());
  const stop = async () => {
    forget();
    if (hasExited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (hasExited) {
      forget();
      throw new Error(`llama-server exited before it became ready: ${logTail.trim().slice(-1000)}`);
    }
    try {
      // 503 while the model loads, 200 once it can answer.
      const response = await fetch(`${baseUrl}/health`);
      await response.body?.cancel();
      if (response.status === 200) return { baseUrl, ompWaitPolicy, stop };
      last = `HTTP ${response.status}`;
    } catch (error) {
      // Connection refused until it listens: keep polling.
      last = (error as Error).message;
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`llama-server's /health did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}).`);
}

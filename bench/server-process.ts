/** Builds Hearth, runs it as a child process on a fresh data dir, and reads its resident memory. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { undoOnInterrupt } from "./cleanup.ts";

export interface ServerProcess {
  baseUrl: string;
  pid: number;
  dataDir: string;
  /** Sends SIGTERM, waits for the exit (SIGKILL after a grace period) and removes the data dir unless kept. */
  stop(options?: { keepDataDir?: boolean }): Promise<void>;
}

/** How long a just-started server idles before its memory is read: startup garbage is collected by then. */
export const IDLE_WAIT_MS = 3_000;
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** Runs `node scripts/build.mjs`; its output goes to stderr so stdout stays the report's. */
export async function buildServer(root: string): Promise<void> {
  const child = spawn(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, stdio: ["ignore", 2, 2] });
  const code = await waitForExit(child);
  if (code !== 0) throw new Error(`node scripts/build.mjs exited with ${code}`);
}

export interface StartSettings {
  /** An existing data dir; by default a fresh one. */
  dataDir?: string;
  /** Environment variables for the server (settings such as HEARTH_CHAT_MAX_REPLY_TOKENS, DATABASE_URL). */
  env?: Record<string, string>;
}

/**
 * Starts the built server. It runs on embedded PGlite unless `env` names a database: a DATABASE_URL
 * in the bench's own environment is not passed on (it is the PostgreSQL figure's, not every server's).
 */
export async function startServer(root: string, settings: StartSettings = {}): Promise<ServerProcess> {
  const dataDir = settings.dataDir ?? (await mkdtemp(join(tmpdir(), "hearth-bench-")));
  const port = await findFreePort();
  const inherited = { ...process.env };
  delete inherited.DATABASE_URL;
  delete inherited.HEARTH_DATABASE_URL;
  const child = spawn(process.execPath, [join(root, "apps/server/dist/main.js")], {
    cwd: root,
    env: {
      ...inherited,
      HEARTH_DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: "warn",
      // A background llama.cpp compile would take the cores the figures are measured on.
      HEARTH_ENGINE_LOCAL_BUILD: "off",
      ...settings.env,
    },
    stdio: ["ignore", 2, 2],
  });
  // A spawn error leaves nothing to stop; resolve so cleanup still removes the data dir.
  const exited = waitForExit(child).catch(() => null);
  let isStopping = false;
  // A server that dies mid-run shows up as a failed request; this says what happened to it.
  child.once("exit", (code, signal) => {
    if (!isStopping)
      process.stderr.write(`[bench] the server (pid ${child.pid}) exited: ${signal ?? `code ${code}`}\n`);
  });
  const forget = undoOnInterrupt(() => stop());
  const stop = async ({ keepDataDir = false } = {}) => {
    isStopping = true;
    forget();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    if (!keepDataDir) await rm(dataDir, { recursive: true, force: true });
  };
  if (child.pid === undefined) {
    await stop();
    throw new Error("Could not spawn the server process.");
  }

  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(baseUrl, exited);
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, pid: child.pid, dataDir, stop };
}

/** VmRSS (now) and VmHWM (peak so far) of a process, in MB, from /proc (Linux only). */
export async function readMemory(pid: number): Promise<{ rssMb: number; peakRssMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kilobytes = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
    if (match === null) throw new Error(`/proc/${pid}/status has no ${field} line.`);
    return Number(match[1]);
  };
  return { rssMb: kilobytes("VmRSS") / 1024, peakRssMb: kilobytes("VmHWM") / 1024 };
}

async function waitUntilReady(baseUrl: string, exited: Promise<number | null>): Promise<void> {
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (hasExited) throw new Error("The server exited before it became ready (its output is above).");
    try {
      const response = await fetch(`${baseUrl}/readyz`);
      await response.body?.cancel();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      // Connection refused until the server listens: keep polling.
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`GET /readyz did not answer 200 within ${READY_TIMEOUT_MS / 1000} s (last: ${last}).`);
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
  });
}

/** Asks the OS for a free port. Another process could take it before the server binds; unlikely here. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === "string") reject(new Error("No port was assigned."));
        else resolve(address.port);
      });
    });
  });
}

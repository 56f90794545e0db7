import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const REPO_ROOT = fileURLToPath(new URL("../../../..", import.meta.url));

/** A `hearth` server process, started the way users start it (apps/server/src/main.ts). */
export interface HearthProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr(): string;
  /** Resolves with the exit status once the process has exited and been reaped. */
  exited: Promise<number | null>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/**
 * Spawns Hearth on a free port with `env` on top of this process's environment, less any Hearth
 * setting of its own (a developer's DATABASE_URL must not leak in). It never compiles llama.cpp.
 */
export async function spawnHearth(env: Record<string, string>): Promise<HearthProcess> {
  const port = await freePort();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(HEARTH_|PORT$|HOST$|DATABASE_URL$|REDIS_URL$|LOG_LEVEL$|OTEL_)/.test(name),
    ),
  );
  const child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
    cwd: REPO_ROOT,
    env: { ...inherited, LOG_LEVEL: "warn", HEARTH_ENGINE_LOCAL_BUILD: "off", ...env, PORT: String(port) },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // JSON logs go to stdout; read them so the pipe never fills.
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, url: `http://127.0.0.1:${port}`, stderr: () => stderr, exited };
}

/** Waits for the line main.ts prints once the database is open and migrated. */
export async function waitUntilRunning(hearth: HearthProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!hearth.stderr().includes("Hearth is running")) return;
      hearth.child.stderr.off("data", check);
      resolve();
    };
    hearth.child.stderr.on("data", check);
    hearth.exited.then((code) => reject(new Error(`hearth exited with ${code}: ${hearth.stderr()}`)));
    check();
  });
}

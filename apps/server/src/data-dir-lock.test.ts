/**
 * The data-dir lock end to end: real `hearth` processes started the way users start them, since
 * what is proven is what happens between processes.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const ADMIN = { username: "ada", email: "ada@example.com", password: "correct horse battery" };

interface HearthProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr(): string;
  /** Resolves with the exit status once the process has exited and been reaped. */
  exited: Promise<number | null>;
}

const started: HearthProcess[] = [];
let dataDir: string;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

async function startHearth(): Promise<HearthProcess> {
  const port = await freePort();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(HEARTH_|PORT$|HOST$|DATABASE_URL$|LOG_LEVEL$)/.test(name)),
  );
  const child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts"], {
    cwd: REPO_ROOT,
    env: {
      ...inherited,
      HEARTH_DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: "warn",
      HEARTH_ENGINE_LOCAL_BUILD: "off",
    },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // JSON logs go to stdout; read them so the pipe never fills.
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const hearth = { child, url: `http://127.0.0.1:${port}`, stderr: () => stderr, exited };
  started.push(hearth);
  return hearth;
}

/** Waits for the line main.ts prints once the database is open and migrated. */
async function waitUntilRunning(hearth: HearthProcess): Promise<void> {
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
  expect((await fetch(`${hearth.url}/readyz`)).status).toBe(200);
}

async function isSetUp(hearth: HearthProcess): Promise<unknown> {
  const response = await fetch(`${hearth.url}/api/setup`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { isSetup: unknown }).isSetup;
}

describe("the data-dir lock between hearth processes", () => {
  let first: HearthProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "hearth-data-dir-lock-"));
    first = await startHearth();
    await waitUntilRunning(first);
    const setup = await fetch(`${first.url}/api/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    expect(setup.status).toBe(201);
  });

  afterAll(async () => {
    for (const hearth of started) {
      if (hearth.child.exitCode === null && hearth.child.signalCode === null) hearth.child.kill("SIGKILL");
      await hearth.exited;
    }
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it("refuses a second start on the same data dir, naming the dir and the running pid", async () => {
    const second = await startHearth();
    const code = await second.exited;

    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(second.stderr()).toContain("Hearth cannot start");
    expect(second.stderr()).toContain(dataDir);
    expect(second.stderr()).toContain(`process ${first.child.pid}`);
    await expect(fetch(`${second.url}/readyz`)).rejects.toThrow();

    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(await isSetUp(first)).toBe(true);
  });

  it("starts on the dir of a killed server, taking over its stale lock, with the data written before the kill", async () => {
    first.child.kill("SIGKILL");
    await first.exited;
    const lockFile = JSON.parse(await readFile(join(dataDir, "hearth.lock"), "utf8")) as { pid: number };
    expect(lockFile.pid).toBe(first.child.pid);

    const next = await startHearth();
    await waitUntilRunning(next);

    expect(await isSetUp(next)).toBe(true);
    const taken = JSON.parse(await readFile(join(dataDir, "hearth.lock"), "utf8")) as { pid: number };
    expect(taken.pid).toBe(next.child.pid);
  });
});

/**
 * @module Compiling llama.cpp on this machine, from the source node-llama-cpp ships (no download).
 * The prebuilt binary is portable but slow (no OpenMP, half-speed prompts: FACTS.md); a local build
 * with `-march=native` and OpenMP runs close to llama.cpp's own speed. The build runs in a child
 * process at the lowest CPU priority, so the server keeps answering while it runs.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { constants, existsSync } from "node:fs";
import { access, mkdir, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { setPriority } from "node:os";
import { delimiter, dirname, join } from "node:path";

export type LocalBuildState =
  /** A local build exists; the engine uses it. */
  | "ready"
  /** Compiling now. */
  | "building"
  /** No local build, and none will be made by the server (no compiler, or turned off). */
  | "none"
  | "failed";

export interface LocalBuildStatus {
  state: LocalBuildState;
  /** What to do, or why not, in words. */
  detail: string;
}

const BUILD_TOOLS = ["cmake", "g++", "git"];

function packageRoot(): string {
  const require = createRequire(import.meta.url);
  // .../node-llama-cpp/dist/index.js → .../node-llama-cpp
  return dirname(dirname(require.resolve("node-llama-cpp")));
}

/** Whether a finished local build is on disk (node-llama-cpp then loads it in preference to the prebuilt). */
export async function hasLocalBuild(): Promise<boolean> {
  const builds = join(packageRoot(), "llama", "localBuilds");
  const entries = await readdir(builds).catch(() => [] as string[]);
  return entries.some((entry) => existsSync(join(builds, entry, "buildDone.status")));
}

/** The build tools that are not on PATH. */
export async function missingBuildTools(path = process.env.PATH ?? ""): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of BUILD_TOOLS) {
    const found = await Promise.any(
      path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => access(join(dir, tool), constants.X_OK)),
    ).then(
      () => true,
      () => false,
    );
    if (!found) missing.push(tool);
  }
  return missing;
}

export interface LocalBuild {
  /** Resolves true when the build succeeded, false when it failed or was stopped. */
  done: Promise<boolean>;
  stop(): void;
}

/**
 * Starts `node-llama-cpp source download --gpu false` in a child process at the lowest priority.
 * One build at a time per installation: a lock file in node-llama-cpp's folder names the build's
 * process; undefined when another live build holds it.
 */
export async function startLocalBuild(
  options: { onOutput?: (line: string) => void } = {},
): Promise<LocalBuild | undefined> {
  const lockPath = join(packageRoot(), "llama", ".hearth-build.lock");
  if (!(await takeLock(lockPath))) return undefined;
  const child: ChildProcess = spawn(
    process.execPath,
    [join(packageRoot(), "dist", "cli", "cli.js"), "source", "download", "--gpu", "false"],
    // A process group of its own, so stopping the build stops cmake and the compilers under it too.
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true" }, detached: true },
  );
  if (child.pid !== undefined) {
    // The build outlives this process if it is killed; the lock names the build itself.
    await writeFile(lockPath, String(child.pid));
    try {
      setPriority(child.pid, 19);
    } catch {
      // Not allowed here: the build then competes at normal priority.
    }
  }
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) options.onOutput?.(line.trim());
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  const done = new Promise<boolean>((resolve) => {
    child.on("error", () => resolve(false));
    child.on("exit", (code) => resolve(code === 0));
  }).finally(() => rm(lockPath, { force: true }));
  return {
    done,
    stop: () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        child.kill("SIGTERM");
      }
    },
  };
}

async function takeLock(lockPath: string): Promise<boolean> {
  await mkdir(dirname(lockPath), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, "wx");
      await handle.writeFile(String(process.pid));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(await readFile(lockPath, "utf8").catch(() => ""));
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return false;
      // Left by a process that died mid-build.
      await rm(lockPath, { force: true });
    }
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

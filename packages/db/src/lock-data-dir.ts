import { link, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";

/** Who holds a data dir, as written in its lock file. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
    readonly lockFile: string,
  ) {
    super(
      `The data dir ${dataDir} is in use by process ${holder.pid} on ${holder.hostname} (started ${holder.startedAt}). ` +
        `Stop that process, or start Hearth with another data dir (HEARTH_DATA_DIR). ` +
        `If no such process runs, delete ${lockFile}.`,
    );
    this.name = "DataDirLockedError";
  }
}

export interface DataDirLock {
  readonly lockFile: string;
  release(): Promise<void>;
}

const LOCK_FILE_NAME = "hearth.lock";
/** Dirs locked by this process, so a second open from the same process is refused too. */
const heldByThisProcess = new Set<string>();

/**
 * Takes an exclusive lock on `dataDir` with a lock file, as PostgreSQL does with postmaster.pid.
 * PGlite takes none, and two instances on one dir silently lose writes. A lock whose process is
 * gone (killed, crashed) is stale and taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const lockFile = join(dir, LOCK_FILE_NAME);
  await mkdir(dir, { recursive: true });
  const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  const content = `${JSON.stringify(me)}\n`;

  for (let attempt = 0; attempt < 5; attempt++) {
    if (heldByThisProcess.has(dir)) throw new DataDirLockedError(dir, me, lockFile);
    if (await createExclusively(lockFile, content)) {
      heldByThisProcess.add(dir);
      return { lockFile, release: () => releaseLock(dir, lockFile, content) };
    }
    const existing = await readHolder(lockFile);
    if (existing === "missing") continue;
    if (existing === "unreadable") {
      // Another process may be between creating the file and writing it: give it a moment.
      await delay(50);
      if ((await readHolder(lockFile)) === "unreadable") await takeOver(lockFile, undefined);
      continue;
    }
    if (isAlive(existing)) throw new DataDirLockedError(dir, existing, lockFile);
    await takeOver(lockFile, existing);
  }
  throw new Error(`Could not lock the data dir ${dir}: the lock file ${lockFile} keeps changing.`);
}

async function createExclusively(lockFile: string, content: string): Promise<boolean> {
  try {
    const handle = await open(lockFile, "wx");
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

async function readHolder(lockFile: string): Promise<LockHolder | "missing" | "unreadable"> {
  try {
    const parsed = JSON.parse(await readFile(lockFile, "utf8")) as Partial<LockHolder>;
    if (typeof parsed.pid !== "number" || typeof parsed.hostname !== "string") return "unreadable";
    return { pid: parsed.pid, hostname: parsed.hostname, startedAt: String(parsed.startedAt) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    if (error instanceof SyntaxError) return "unreadable";
    throw error;
  }
}

function isAlive(holder: LockHolder): boolean {
  // A lock written on another host (a shared volume) cannot be checked from here: respect it.
  if (holder.hostname !== hostname()) return true;
  // Our own pid in a lock this process does not hold is a previous run's (a container restarts as
  // pid 1 each time).
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Moves a stale lock aside. Rename is atomic, so of two processes taking over at once only one
 * moves the file; if what it moved is no longer the stale lock it read, it puts it back.
 */
async function takeOver(lockFile: string, stale: LockHolder | undefined): Promise<void> {
  const aside = `${lockFile}.stale-${process.pid}-${Date.now()}`;
  try {
    await rename(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = await readHolder(aside);
  const isTheStaleOne =
    stale === undefined
      ? moved === "unreadable"
      : typeof moved === "object" && moved.pid === stale.pid && moved.startedAt === stale.startedAt;
  if (!isTheStaleOne) await link(aside, lockFile).catch(() => {});
  await unlink(aside).catch(() => {});
}

async function releaseLock(dir: string, lockFile: string, content: string): Promise<void> {
  if (!heldByThisProcess.delete(dir)) return;
  const current = await readFile(lockFile, "utf8").catch(() => undefined);
  if (current === content) await unlink(lockFile).catch(() => {});
}

const delay = (ms: number) => new Promise((resolveDelay) => setTimeout(resolveDelay, ms));

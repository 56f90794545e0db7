import { randomUUID } from "node:crypto";
import { link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { identifyProcess } from "./identify-process.ts";

/** Who holds a data dir, as written in its lock file. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  /**
   * Which process `pid` was, where the system says (Linux's /proc): the kernel's boot id and the
   * process's start time since boot. A pid is reused after a reboot, and in a container every start
   * is pid 1; together they name one process for good. Absent in locks from older versions.
   */
  bootId?: string;
  processStart?: string;
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
/** How often a start retries while another process is taking over a stale lock. */
const MAX_ATTEMPTS = 200;
/**
 * Dirs locked, or being locked, by this process, so a second open from the same process is
 * refused too, and is never mistaken for a stale lock left by an earlier run with the same pid.
 */
const heldByThisProcess = new Set<string>();

/**
 * Takes an exclusive lock on `dataDir` with a lock file, as PostgreSQL does with postmaster.pid.
 * PGlite takes none, and two instances on one dir silently lose writes. A lock whose process is
 * gone (killed, crashed, or the machine rebooted) is stale and taken over, even when an unrelated
 * process now has its pid.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const lockFile = join(dir, LOCK_FILE_NAME);
  const me = await thisProcess();
  if (heldByThisProcess.has(dir)) throw new DataDirLockedError(dir, me, lockFile);
  heldByThisProcess.add(dir);
  const content = `${JSON.stringify(me)}\n`;
  try {
    await mkdir(dir, { recursive: true });
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (await createExclusively(lockFile, content)) {
        // Only the first release counts: a repeated one must not release a later lock on the same dir.
        let released: Promise<void> | undefined;
        return { lockFile, release: () => (released ??= releaseLock(dir, lockFile, content)) };
      }
      const existing = await readLock(lockFile);
      if (existing === "missing") continue;
      if (existing.holder !== undefined && (await isAlive(existing.holder))) {
        throw new DataDirLockedError(dir, existing.holder, lockFile);
      }
      await takeOver(lockFile, existing.text);
    }
    throw new Error(`Could not lock the data dir ${dir}: the lock file ${lockFile} keeps changing.`);
  } catch (error) {
    heldByThisProcess.delete(dir);
    throw error;
  }
}

/**
 * Creates `file` only if it does not exist. The content is written to a draft first and linked
 * into place, so the file never appears empty or half written to a process reading it.
 */
async function createExclusively(file: string, content: string): Promise<boolean> {
  const draft = `${file}.${process.pid}-${randomUUID()}.draft`;
  const handle = await open(draft, "wx");
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(draft).catch(() => {});
  }
}

/** A lock file's text, and its holder when the text names one. */
async function readLock(file: string): Promise<{ text: string; holder: LockHolder | undefined } | "missing"> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== "number" || typeof parsed.hostname !== "string") return { text, holder: undefined };
    const holder: LockHolder = { pid: parsed.pid, hostname: parsed.hostname, startedAt: String(parsed.startedAt) };
    if (typeof parsed.bootId === "string" && typeof parsed.processStart === "string") {
      holder.bootId = parsed.bootId;
      holder.processStart = parsed.processStart;
    }
    return { text, holder };
  } catch {
    return { text, holder: undefined };
  }
}

async function isAlive(holder: LockHolder): Promise<boolean> {
  // A lock written on another host (a shared volume) cannot be checked from here: respect it.
  if (holder.hostname !== hostname()) return true;
  // Our own pid in a lock this process does not hold is a previous run's (a container restarts as
  // pid 1 each time).
  if (holder.pid === process.pid) return false;
  let isOtherUsers = false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
    isOtherUsers = true;
  }
  // The pid runs, but it may be another process's now, as PostgreSQL checks for postmaster.pid.
  const running = await identifyProcess(holder.pid);
  // No /proc (macOS), or one that hides other users' processes: a live pid is all we can know.
  if (running === undefined || (running === "gone" && isOtherUsers)) return true;
  if (running === "gone") return false;
  if (holder.bootId !== undefined && holder.processStart !== undefined) {
    return holder.bootId === running.bootId && holder.processStart === running.processStart;
  }
  // A lock from a version that recorded no identity: only a Node process can be Hearth.
  return running.isNode;
}

/** This process, as a lock file names it. */
async function thisProcess(): Promise<LockHolder> {
  const me: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  const identity = await identifyProcess(process.pid);
  if (identity !== undefined && identity !== "gone") {
    me.bootId = identity.bootId;
    me.processStart = identity.processStart;
  }
  return me;
}

/**
 * Deletes the lock file if it still holds `staleText`. Reading and deleting are two steps, so
 * takeovers take turns through a claim file: otherwise a slow process that read the stale lock
 * could delete the lock another process has just taken in its place.
 */
async function takeOver(lockFile: string, staleText: string): Promise<void> {
  const claim = `${lockFile}.takeover`;
  const me = await thisProcess();
  if (!(await createExclusively(claim, `${JSON.stringify(me)}\n`))) {
    const claimant = await readLock(claim);
    if (claimant === "missing") return;
    // A claim is held for a moment; one left by a process that died would block every start.
    if (claimant.holder === undefined || !(await isAlive(claimant.holder))) await unlink(claim).catch(() => {});
    else await delay(10);
    return;
  }
  try {
    const current = await readLock(lockFile);
    if (current !== "missing" && current.text === staleText) await unlink(lockFile);
  } finally {
    await unlink(claim).catch(() => {});
  }
}

async function releaseLock(dir: string, lockFile: string, content: string): Promise<void> {
  const current = await readFile(lockFile, "utf8").catch(() => undefined);
  if (current === content) await unlink(lockFile).catch(() => {});
  heldByThisProcess.delete(dir);
}

const delay = (ms: number) => new Promise((resolveDelay) => setTimeout(resolveDelay, ms));

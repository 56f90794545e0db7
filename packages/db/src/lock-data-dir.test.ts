import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DataDirLock, DataDirLockedError, type LockHolder, lockDataDir } from "./lock-data-dir.ts";

const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const LOCK_MODULE = pathToFileURL(fileURLToPath(new URL("./lock-data-dir.ts", import.meta.url))).href;

let dir: string;
const locks: DataDirLock[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "hearth-lock-"));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  }
  for (const lock of locks.splice(0)) await lock.release();
  await rm(dir, { recursive: true, force: true });
});

async function lock(path = dir): Promise<DataDirLock> {
  const taken = await lockDataDir(path);
  locks.push(taken);
  return taken;
}

async function lockError(path = dir): Promise<DataDirLockedError> {
  const error = await lockDataDir(path).then(
    (taken) => {
      locks.push(taken);
      throw new Error("expected the lock to be refused");
    },
    (refused: unknown) => refused,
  );
  expect(error).toBeInstanceOf(DataDirLockedError);
  return error as DataDirLockedError;
}

/** The pid of a process that has exited and been reaped, so no process answers to it. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await once(child, "exit");
  return child.pid as number;
}

/** A process that stays alive until the test ends. */
function livePid(): number {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
  children.push(child);
  return child.pid as number;
}

/** A live process that is not Hearth, nor even Node: what a stale lock's pid names after a reboot. */
function unrelatedPid(): number {
  const child = spawn("sleep", ["60"]);
  children.push(child);
  return child.pid as number;
}

/** This boot's id, which a lock file records next to its process's start time. */
const bootId = () => readFile("/proc/sys/kernel/random/boot_id", "utf8").then((id) => id.trim());

/** A process holding a real lock on the test's dir, until the test ends. */
async function otherLockHolder(): Promise<number> {
  const script = [
    `const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)});`,
    `await lockDataDir(${JSON.stringify(dir)});`,
    "console.log('locked');",
    "setInterval(() => {}, 1000);",
  ].join("\n");
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO_ROOT });
  children.push(child);
  const [line] = await Promise.race([
    once(createInterface({ input: child.stdout }), "line"),
    once(child, "exit").then(() => [undefined]),
  ]);
  expect(line).toBe("locked");
  return child.pid as number;
}

async function writeLockFile(holder: Partial<LockHolder>): Promise<string> {
  const lockFile = join(dir, "hearth.lock");
  await writeFile(
    lockFile,
    `${JSON.stringify({ hostname: hostname(), startedAt: new Date().toISOString(), ...holder })}\n`,
  );
  return lockFile;
}

async function readHolder(lockFile: string): Promise<LockHolder> {
  return JSON.parse(await readFile(lockFile, "utf8")) as LockHolder;
}

describe("lockDataDir", () => {
  it("writes this process's pid and host into <dir>/hearth.lock", async () => {
    const taken = await lock();
    expect(taken.lockFile).toBe(join(dir, "hearth.lock"));
    expect(await readHolder(taken.lockFile)).toMatchObject({ pid: process.pid, hostname: hostname() });
  });

  it("creates a data dir that does not exist yet", async () => {
    const taken = await lock(join(dir, "nested", "data"));
    expect(taken.lockFile).toBe(join(dir, "nested", "data", "hearth.lock"));
  });

  it("refuses a second lock from the same process, naming the dir and this process's pid", async () => {
    await lock();
    for (const sameDir of [dir, `${dir}/./`]) {
      const error = await lockError(sameDir);
      expect(error.dataDir).toBe(dir);
      expect(error.holder.pid).toBe(process.pid);
      expect(error.message).toContain(dir);
      expect(error.message).toContain(String(process.pid));
    }
  });

  it("lets only one of two locks on one dir taken at once by the same process win", async () => {
    const outcomes = await Promise.allSettled([lockDataDir(dir), lockDataDir(dir)]);
    const won = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    locks.push(...won);
    expect(won).toHaveLength(1);
    const refused = outcomes.find((outcome) => outcome.status === "rejected");
    expect(refused?.reason).toBeInstanceOf(DataDirLockedError);
  });

  it("refuses a lock held by another live process, naming the dir, its pid and the lock file", async () => {
    const pid = livePid();
    const lockFile = await writeLockFile({ pid });
    const error = await lockError();
    expect(error.holder.pid).toBe(pid);
    expect(error.message).toContain(dir);
    expect(error.message).toContain(String(pid));
    expect(error.message).toContain(lockFile);
    expect((await readHolder(lockFile)).pid).toBe(pid);
  });

  it("takes over a lock file left by a process that has died", async () => {
    const lockFile = await writeLockFile({ pid: await deadPid() });
    await lock();
    expect((await readHolder(lockFile)).pid).toBe(process.pid);
    expect(await readdir(dir)).toEqual(["hearth.lock"]);
  });

  it("takes over a lock file naming this process's own pid that this process does not hold, as after a container restart", async () => {
    const lockFile = await writeLockFile({ pid: process.pid, startedAt: "2020-01-01T00:00:00.000Z" });
    await lock();
    expect((await readHolder(lockFile)).startedAt).not.toBe("2020-01-01T00:00:00.000Z");
  });

  it("takes over a lock file that holds no readable holder", async () => {
    await writeFile(join(dir, "hearth.lock"), "");
    const taken = await lock();
    expect((await readHolder(taken.lockFile)).pid).toBe(process.pid);
  });

  // Issue #6: after a reboot, or in a container where every start is pid 1, a stale lock's pid
  // often belongs to a live process that has nothing to do with Hearth.
  describe.runIf(process.platform === "linux")("where /proc tells processes apart", () => {
    it("records the boot id and this process's start time", async () => {
      const taken = await lock();
      expect(await readHolder(taken.lockFile)).toMatchObject({
        bootId: await bootId(),
        processStart: expect.stringMatching(/^\d+$/),
      });
    });

    it("takes over a lock naming a live unrelated process that started after the lock was written", async () => {
      const lockFile = await writeLockFile({ pid: unrelatedPid(), bootId: await bootId(), processStart: "1" });
      await lock();
      expect((await readHolder(lockFile)).pid).toBe(process.pid);
    });

    it("takes over a lock written before the last reboot, even by pid 1, which is alive", async () => {
      for (const pid of [1, unrelatedPid()]) {
        const lockFile = await writeLockFile({ pid, bootId: "an-earlier-boot", processStart: "1" });
        const taken = await lockDataDir(dir);
        expect((await readHolder(lockFile)).pid).toBe(process.pid);
        await taken.release();
      }
    });

    it("takes over a lock in the older format naming a live process that is not Node", async () => {
      const lockFile = await writeLockFile({ pid: unrelatedPid() });
      await lock();
      expect((await readHolder(lockFile)).pid).toBe(process.pid);
    });

    it("refuses the lock of another process that really holds it", async () => {
      const pid = await otherLockHolder();
      const error = await lockError();
      expect(error.holder.pid).toBe(pid);
    });
  });

  it("respects a lock written on another host even if no such pid runs here", async () => {
    await writeLockFile({ pid: await deadPid(), hostname: "some-other-host" });
    const error = await lockError();
    expect(error.holder.hostname).toBe("some-other-host");
  });

  it("lets the next lock succeed once released, and removes its lock file", async () => {
    const first = await lockDataDir(dir);
    await first.release();
    expect(await readdir(dir)).toEqual([]);
    await lock();
  });

  it("does not remove on release a lock file that another process now holds", async () => {
    const taken = await lockDataDir(dir);
    const pid = livePid();
    await writeLockFile({ pid });
    await taken.release();
    expect((await readHolder(taken.lockFile)).pid).toBe(pid);
    expect((await lockError()).holder.pid).toBe(pid);
  });

  it("ignores a second release of an old lock after the dir was locked again", async () => {
    const old = await lockDataDir(dir);
    await old.release();
    const current = await lock();
    await old.release();
    expect((await readHolder(current.lockFile)).pid).toBe(process.pid);
    expect((await lockError()).holder.pid).toBe(process.pid);
  });
});

describe("lockDataDir across processes", () => {
  const ROUNDS = 5;

  interface Outcome {
    won: boolean;
    pid: number;
    name?: string;
    holderPid?: number;
  }

  /**
   * Starts a process that loads lockDataDir and then, each round, spins until that round's go file
   * exists (so all contenders try at once), tries the lock, prints the outcome, and releases what
   * it got once told to on stdin.
   */
  async function startContender(goDir: string) {
    const script = [
      "import { existsSync } from 'node:fs';",
      "import { createInterface } from 'node:readline';",
      `const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)});`,
      "const input = createInterface({ input: process.stdin })[Symbol.asyncIterator]();",
      "console.log('ready');",
      `for (let round = 0; round < ${ROUNDS}; round++) {`,
      `  while (!existsSync(${JSON.stringify(goDir)} + '/' + round));`,
      `  const outcome = await lockDataDir(${JSON.stringify(dir)}).then(`,
      "    (lock) => ({ won: true, lock }),",
      "    (error) => ({ won: false, name: error.name, holderPid: error.holder?.pid }),",
      "  );",
      "  console.log(JSON.stringify({ ...outcome, lock: undefined, pid: process.pid }));",
      "  await input.next();",
      "  await outcome.lock?.release();",
      "  console.log('released');",
      "}",
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: REPO_ROOT });
    children.push(child);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const nextLine = async () => {
      const line = await lines.next();
      if (line.done) throw new Error(`contender exited: ${stderr}`);
      return line.value;
    };
    expect(await nextLine()).toBe("ready");
    return { child, nextLine };
  }

  /** Runs ROUNDS races among `count` processes, calling `beforeRound` first each time. */
  async function race(count: number, beforeRound: () => Promise<unknown>): Promise<Outcome[][]> {
    const goDir = await mkdtemp(join(tmpdir(), "hearth-lock-go-"));
    try {
      const contenders = await Promise.all(Array.from({ length: count }, () => startContender(goDir)));
      const rounds: Outcome[][] = [];
      for (let round = 0; round < ROUNDS; round++) {
        await beforeRound();
        await writeFile(join(goDir, String(round)), "");
        rounds.push(await Promise.all(contenders.map(async ({ nextLine }) => JSON.parse(await nextLine()) as Outcome)));
        for (const { child } of contenders) child.stdin.write("release\n");
        for (const { nextLine } of contenders) expect(await nextLine()).toBe("released");
        expect(await readdir(dir)).toEqual([]);
      }
      return rounds;
    } finally {
      await rm(goDir, { recursive: true, force: true });
    }
  }

  function expectOneWinnerEachRound(rounds: Outcome[][]) {
    for (const outcomes of rounds) {
      const winners = outcomes.filter((outcome) => outcome.won);
      expect(winners).toHaveLength(1);
      const winner = winners[0] as Outcome;
      for (const loser of outcomes.filter((outcome) => !outcome.won)) {
        expect(loser).toMatchObject({ name: "DataDirLockedError", holderPid: winner.pid });
      }
    }
  }

  it("lets exactly one of several processes locking one dir at once win", async () => {
    expectOneWinnerEachRound(await race(6, async () => {}));
  });

  it("lets exactly one of several processes win when they all find the same stale lock", async () => {
    const pid = await deadPid();
    expectOneWinnerEachRound(await race(6, () => writeLockFile({ pid })));
  });
});

/**
 * The data-dir lock end to end: real `hearth` processes started the way users start them, since
 * what is proven is what happens between processes.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./testing/hearth-process.ts";

const ADMIN = { username: "ada", email: "ada@example.com", password: "correct horse battery" };

const started: HearthProcess[] = [];
let dataDir: string;

async function startHearth(): Promise<HearthProcess> {
  const hearth = await spawnHearth({ HEARTH_DATA_DIR: dataDir });
  started.push(hearth);
  return hearth;
}

async function waitUntilReady(hearth: HearthProcess): Promise<void> {
  await waitUntilRunning(hearth);
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
    await waitUntilReady(first);
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
    await waitUntilReady(next);

    expect(await isSetUp(next)).toBe(true);
    const taken = JSON.parse(await readFile(join(dataDir, "hearth.lock"), "utf8")) as { pid: number };
    expect(taken.pid).toBe(next.child.pid);
  });
});

/**
 * A PostgreSQL database for the benchmark: a fresh database on the server a URL names, or on a
 * throwaway server started the way .ci/run starts one (initdb and pg_ctl as user postgres, on a free
 * port, in a temp dir). Dropped, and the server stopped, at the end.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { openDatabase } from "@hearth/db";
import { undoOnInterrupt } from "./cleanup.ts";
import { findFreePort } from "./server-process.ts";

const execFileAsync = promisify(execFile);
const POSTGRESQL_DIR = "/usr/lib/postgresql";

export interface BenchPostgres {
  /** A fresh, empty database of its own. */
  url: string;
  /** "PostgreSQL 15.18". */
  name: string;
  /** "a throwaway server" or "the given URL". */
  where: string;
  close(): Promise<void>;
}

/** The database, or why there is none. */
export async function openBenchPostgres(
  givenUrl: string | undefined,
  progress: (message: string) => void,
): Promise<BenchPostgres | { skipped: string }> {
  if (givenUrl !== undefined) return createBenchDatabase(givenUrl, "the given URL", async () => {});
  const binDir = await findServerBinaries();
  if (binDir === undefined) {
    return {
      skipped:
        "no --postgres-url or DATABASE_URL was given, and no PostgreSQL server is installed " +
        `(${POSTGRESQL_DIR}/*/bin/initdb; on Debian: apt-get install postgresql)`,
    };
  }
  if (process.getuid?.() !== 0) {
    return {
      skipped:
        `no --postgres-url or DATABASE_URL was given, and a throwaway server from ${binDir} must run as user ` +
        "postgres, which needs root; pass --postgres-url postgres://… (a role that may CREATE DATABASE)",
    };
  }
  progress(`postgres: starting a throwaway server from ${binDir}`);
  const server = await startThrowawayServer(binDir);
  try {
    return await createBenchDatabase(server.url, "a throwaway server", server.stop);
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function findServerBinaries(): Promise<string | undefined> {
  const versions = await readdir(POSTGRESQL_DIR).catch(() => [] as string[]);
  const sorted = versions.filter((version) => /^\d+$/.test(version)).sort((a, b) => Number(b) - Number(a));
  for (const version of sorted) {
    const binDir = join(POSTGRESQL_DIR, version, "bin");
    if ((await readdir(binDir).catch(() => [] as string[])).includes("initdb")) return binDir;
  }
  return undefined;
}

async function startThrowawayServer(binDir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "hearth-bench-pg-"));
  const port = await findFreePort();
  const asPostgres = (command: string, args: string[]) =>
    execFileAsync("runuser", ["-u", "postgres", "--", join(binDir, command), ...args]);
  const dataDir = join(dir, "data");
  const stop = async () => {
    forget();
    await asPostgres("pg_ctl", ["-D", dataDir, "-m", "immediate", "stop"]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  const forget = undoOnInterrupt(stop);
  try {
    await execFileAsync("chown", ["postgres", dir]);
    await asPostgres("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust"]);
    // fsync off as in CI: this server's data is thrown away, and only reads are timed.
    const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await asPostgres("pg_ctl", ["-D", dataDir, "-l", join(dir, "log"), "-w", "-o", settings, "start"]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}

/** CREATE DATABASE hearth_bench_…, so nothing of what the URL's database holds is touched. */
async function createBenchDatabase(
  serverUrl: string,
  where: string,
  stopServer: () => Promise<void>,
): Promise<BenchPostgres> {
  const name = `hearth_bench_${randomBytes(4).toString("hex")}`;
  const admin = await openDatabase({ kind: "postgres", url: serverUrl, maxConnections: 1 });
  let version: string;
  try {
    const { rows } = await admin.query<{ version: string }>("SELECT current_setting('server_version') AS version");
    version = rows[0]?.version ?? "unknown";
    await admin.exec(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const close = async () => {
    forget();
    try {
      const again = await openDatabase({ kind: "postgres", url: serverUrl, maxConnections: 1 });
      await again.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => again.close());
    } finally {
      await stopServer();
    }
  };
  const forget = undoOnInterrupt(close);
  return { url: url.toString(), name: `PostgreSQL ${version.split(" ")[0]}`, where, close };
}

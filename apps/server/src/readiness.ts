import type { AppVariables } from "@hearth/core";
import type { Database } from "@hearth/db";
import type { Readiness } from "./system-routes.ts";

/** A database that has not answered `SELECT 1` in this long counts as unreachable. */
const DATABASE_TIMEOUT_MS = 2_000;
/** Probes within this long of each other share one query: a flood of /readyz costs the database nothing more. */
const DATABASE_REUSE_MS = 1_000;

type Check = Readiness["checks"]["database"];

export interface ReadinessSources {
  database: () => Database | undefined;
  /** How events reach the other nodes, and whether that connection is up. */
  events: () => Check;
  engine: AppVariables["engine"];
  isDraining: () => boolean;
}

/**
 * What /readyz answers. Ready means: the database is migrated and answers, the channel to the other
 * nodes (if any) is connected, and the node is not draining. The engine is reported, never waited
 * for: it starts on first use, and a node without local models serves without it.
 */
export function createReadiness(sources: ReadinessSources): () => Promise<Readiness> {
  let probe: { at: number; result: Promise<Check> } | undefined;

  const checkDatabase = (db: Database): Promise<Check> => {
    const now = Date.now();
    if (probe !== undefined && now - probe.at < DATABASE_REUSE_MS) return probe.result;
    const result = withTimeout(db.query("SELECT 1"), DATABASE_TIMEOUT_MS).then(
      (): Check => ({ ok: true, detail: `${db.kind === "postgres" ? "PostgreSQL" : "embedded (PGlite)"}, migrated` }),
      (error: unknown): Check => ({ ok: false, detail: `not answering: ${(error as Error).message}` }),
    );
    probe = { at: now, result };
    return result;
  };

  return async () => {
    const db = sources.database();
    const database = db === undefined ? { ok: false, detail: "opening or migrating" } : await checkDatabase(db);
    const events = sources.events();
    const checks = { database, events, engine: engineCheck(sources.engine) };
    const status = sources.isDraining()
      ? "draining"
      : db === undefined
        ? "starting"
        : database.ok && events.ok
          ? "ready"
          : "unavailable";
    return { status, checks };
  };
}

function engineCheck(engine: AppVariables["engine"]): Check {
  const info = engine.info();
  const build = engine.localBuild();
  if (info === undefined) return { ok: true, detail: `llama.cpp starts on first use. ${build.detail}` };
  const gpu = info.gpu === false ? "no GPU" : `GPU: ${info.gpu}`;
  return {
    ok: true,
    detail: `llama.cpp running (${info.buildType}, ${gpu}, ${info.threads} threads). ${build.detail}`,
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

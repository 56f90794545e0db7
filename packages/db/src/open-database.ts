import { join } from "node:path";
import type { Database } from "./database.ts";
import { openPglite } from "./open-pglite.ts";
import { openPostgres } from "./open-postgres.ts";

export type DatabaseTarget =
  | { kind: "postgres"; url: string; maxConnections?: number }
  | { kind: "pglite"; dataDir: string }
  | { kind: "pglite-memory" };

/** Opens the database a configuration names. The embedded engine keeps its files in `<dataDir>/pgdata`. */
export function openDatabase(target: DatabaseTarget): Promise<Database> {
  switch (target.kind) {
    case "postgres":
      return openPostgres({
        url: target.url,
        ...(target.maxConnections ? { maxConnections: target.maxConnections } : {}),
      });
    case "pglite":
      return openPglite(join(target.dataDir, "pgdata"));
    case "pglite-memory":
      return openPglite(undefined);
  }
}

import { createHash } from "node:crypto";
import type { Database, Queryable } from "./database.ts";

/** One versioned schema change. `id` sorts in the order migrations apply ("0001-accounts"). */
export interface Migration {
  id: string;
  sql: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** Any constant shared by every Hearth node: concurrent starts against one server take turns. */
const MIGRATION_LOCK_KEY = 7_310_452_011;

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS hearth_migrations (
  id text PRIMARY KEY,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * Applies the migrations not yet in the ledger, each in its own transaction together with its
 * ledger row, so a crash leaves each either wholly applied or not at all. Safe to run on every
 * start and from several nodes at once. Returns the ids it applied.
 */
export async function migrate(db: Database, migrations: readonly Migration[]): Promise<string[]> {
  assertOrdered(migrations);
  const applied = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(CREATE_LEDGER);
    return readLedger(tx);
  });
  checkLedger(applied, migrations);

  const newlyApplied: string[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.id)) continue;
    const didApply = await db.transaction(async (tx) => {
      await lock(tx);
      // Another node may have applied it while we waited for the lock.
      const { rows } = await tx.query("SELECT 1 FROM hearth_migrations WHERE id = $1", [migration.id]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query("INSERT INTO hearth_migrations (id, checksum) VALUES ($1, $2)", [
        migration.id,
        checksum(migration),
      ]);
      return true;
    });
    if (didApply) newlyApplied.push(migration.id);
  }
  return newlyApplied;
}

async function lock(tx: Queryable): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
}

async function readLedger(tx: Queryable): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ id: string; checksum: string }>("SELECT id, checksum FROM hearth_migrations");
  return new Map(rows.map((row) => [row.id, row.checksum]));
}

function checkLedger(applied: Map<string, string>, migrations: readonly Migration[]): void {
  const known = new Map(migrations.map((migration) => [migration.id, migration]));
  for (const [id, appliedChecksum] of applied) {
    const migration = known.get(id);
    if (migration === undefined) {
      throw new MigrationError(
        `The database has migration ${id}, which this version of Hearth does not know: it was migrated by a newer version. Run that version, or restore a backup.`,
      );
    }
    if (checksum(migration) !== appliedChecksum) {
      throw new MigrationError(
        `Migration ${id} was changed after it was applied. Applied migrations must never be edited: add a new migration instead.`,
      );
    }
  }
}

function assertOrdered(migrations: readonly Migration[]): void {
  for (let index = 1; index < migrations.length; index++) {
    const previous = migrations[index - 1] as Migration;
    const current = migrations[index] as Migration;
    if (previous.id >= current.id) {
      throw new MigrationError(
        `Migrations must be listed in increasing id order: ${previous.id} comes before ${current.id}.`,
      );
    }
  }
}

function checksum(migration: Migration): string {
  return createHash("sha256").update(migration.sql).digest("hex");
}

import type { Database } from "@hearth/db";

/** This installation's random id (see request-chain.ts), the same on every node sharing the database. */
export async function readInstallationId(db: Database): Promise<string> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM installation");
  const row = rows[0];
  if (row === undefined) throw new Error("The installation table is empty: the migrations did not run.");
  return row.id;
}

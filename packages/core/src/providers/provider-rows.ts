/** @module The model_providers table: the providers admins added through the API. */
import type { Queryable } from "@hearth/db";
import type { Provider, ProviderKind } from "./schema.ts";

export interface ProviderRow {
  id: string;
  kind: ProviderKind;
  base_url: string;
  api_key_ciphertext: string | null;
  models: string[] | null;
  timeout_seconds: number;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, kind, base_url, api_key_ciphertext, models, timeout_seconds, enabled, created_at, updated_at";

/** Every row, or only the enabled ones, oldest first (the order their models are listed in). */
export async function selectProviderRows(db: Queryable, options: { enabledOnly: boolean }): Promise<ProviderRow[]> {
  const where = options.enabledOnly ? "WHERE enabled" : "";
  const { rows } = await db.query<ProviderRow>(
    `SELECT ${COLUMNS} FROM model_providers ${where} ORDER BY created_at, id`,
  );
  return rows;
}

/** The row with this id; `forUpdate` locks it until the transaction ends. */
export async function findProviderRow(
  db: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ProviderRow | undefined> {
  const lock = options.forUpdate === true ? "FOR UPDATE" : "";
  const { rows } = await db.query<ProviderRow>(`SELECT ${COLUMNS} FROM model_providers WHERE id = $1 ${lock}`, [id]);
  return rows[0];
}

/** Inserts a row; undefined when the id is taken. */
export async function insertProviderRow(db: Queryable, row: ProviderRow): Promise<ProviderRow | undefined> {
  const { rows } = await db.query<ProviderRow>(
    `INSERT INTO model_providers (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [
      row.id,
      row.kind,
      row.base_url,
      row.api_key_ciphertext,
      row.models === null ? null : JSON.stringify(row.models),
      row.timeout_seconds,
      row.enabled,
      row.created_at,
      row.updated_at,
    ],
  );
  return rows[0];
}

/** Writes every changeable column of `row`; undefined when no row has its id (any more). */
export async function updateProviderRow(db: Queryable, row: ProviderRow): Promise<ProviderRow | undefined> {
  const { rows } = await db.query<ProviderRow>(
    `UPDATE model_providers SET kind = $2, base_url = $3, api_key_ciphertext = $4, models = $5,
       timeout_seconds = $6, enabled = $7, updated_at = $8
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      row.id,
      row.kind,
      row.base_url,
      row.api_key_ciphertext,
      row.models === null ? null : JSON.stringify(row.models),
      row.timeout_seconds,
      row.enabled,
      row.updated_at,
    ],
  );
  return rows[0];
}

export async function deleteProviderRow(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query("DELETE FROM model_providers WHERE id = $1", [id]);
  return rowCount > 0;
}

/** A row as the API shows it: whether a key is stored, never the key. */
export function presentProviderRow(row: ProviderRow): Provider {
  return {
    id: row.id,
    kind: row.kind,
    baseUrl: row.base_url,
    hasApiKey: row.api_key_ciphertext !== null,
    models: row.models,
    timeoutSeconds: row.timeout_seconds,
    enabled: row.enabled,
    source: "admin",
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

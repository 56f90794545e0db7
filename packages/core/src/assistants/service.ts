/**
 * @module Assistants: a named model, system prompt, sampling and tools that conversations start from.
 * A user sees their own and the shared ones; another user's personal assistant is, to them, not there.
 */
import type { Database, Queryable } from "@hearth/db";
import type { AccountsProblem } from "../accounts/problems.ts";
import { accountsProblems } from "../accounts/problems.ts";
import type { Sampling } from "../models/settings/sampling.ts";
import { decodeCursor, encodeCursor } from "../pagination.ts";
import { fail, ok, type Result } from "../problems.ts";
import { type AssistantsProblem, assistantsProblems } from "./problems.ts";
import {
  type Assistant,
  type AssistantPage,
  type CreateAssistantInput,
  MAX_ASSISTANTS_PER_USER,
  type UpdateAssistantInput,
} from "./schema.ts";

/** Who asks: what they may see and change depends on it. */
export interface Asker {
  id: string;
  role: "admin" | "user";
}

interface AssistantRow {
  id: string;
  owner_id: string;
  is_shared: boolean;
  name: string;
  description: string | null;
  model: string | null;
  system_prompt: string | null;
  sampling: Sampling;
  tools: string[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  "id, owner_id, is_shared, name, description, model, system_prompt, sampling, tools, created_at, updated_at";

/** What the asker can see: their own, and every shared one. */
const VISIBLE = "(owner_id = $1 OR is_shared)";

/** A personal assistant is its owner's to change; a shared one, any admin's. */
const mayEdit = (row: Pick<AssistantRow, "owner_id" | "is_shared">, asker: Asker): boolean =>
  row.is_shared ? asker.role === "admin" : row.owner_id === asker.id;

/** Only the options set: null means "the model's own", which is what leaving it out says. */
const setOptions = (sampling: Sampling): Sampling =>
  Object.fromEntries(Object.entries(sampling).filter(([, value]) => value != null));

const present = (row: AssistantRow, asker: Asker): Assistant => ({
  id: row.id,
  name: row.name,
  description: row.description,
  model: row.model,
  systemPrompt: row.system_prompt,
  sampling: setOptions(row.sampling),
  tools: row.tools,
  isShared: row.is_shared,
  canEdit: mayEdit(row, asker),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

type AssistantResult = Result<Assistant, AssistantsProblem | AccountsProblem>;

/**
 * Saves a new assistant, owned by the asker. Refused when they already have as many as one person
 * may: their user row is locked meanwhile, so two creates at once cannot both pass the count.
 */
export async function createAssistant(
  db: Database,
  asker: Asker,
  input: CreateAssistantInput,
  now: Date,
): Promise<AssistantResult> {
  if (input.isShared === true && asker.role !== "admin") return fail(accountsProblems.adminRequired());
  return db.transaction(async (tx): Promise<AssistantResult> => {
    await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [asker.id]);
    const { rows: counted } = await tx.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM assistants WHERE owner_id = $1",
      [asker.id],
    );
    if ((counted[0]?.count ?? 0) >= MAX_ASSISTANTS_PER_USER)
      return fail(assistantsProblems.tooMany(MAX_ASSISTANTS_PER_USER));
    const { rows } = await tx.query<AssistantRow>(
      `INSERT INTO assistants (owner_id, is_shared, name, description, model, system_prompt, sampling, tools, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ${COLUMNS}`,
      [
        asker.id,
        input.isShared ?? false,
        input.name,
        input.description ?? null,
        input.model ?? null,
        input.systemPrompt ?? null,
        JSON.stringify(setOptions(input.sampling ?? {})),
        input.tools ?? [],
        now,
      ],
    );
    return ok(present(rows[0] as AssistantRow, asker));
  });
}

/** The asker's own and the shared assistants, newest first, by keyset on (created_at, id). */
export async function listAssistants(
  db: Queryable,
  asker: Asker,
  page: { limit: number; cursor?: string | undefined },
): Promise<AssistantPage> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const { rows } = await db.query<AssistantRow>(
    `SELECT ${COLUMNS} FROM assistants
     WHERE ${VISIBLE} AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $4`,
    [asker.id, after?.at ?? null, after?.id ?? null, page.limit + 1],
  );
  const pageRows = rows.slice(0, page.limit);
  const last = pageRows.at(-1);
  return {
    data: pageRows.map((row) => present(row, asker)),
    nextCursor: rows.length > page.limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
  };
}

/** One assistant the asker can see: their own or a shared one. */
export async function getAssistant(
  db: Queryable,
  asker: Asker,
  assistantId: string,
): Promise<Result<Assistant, AssistantsProblem>> {
  const { rows } = await db.query<AssistantRow>(`SELECT ${COLUMNS} FROM assistants WHERE id = $2 AND ${VISIBLE}`, [
    asker.id,
    assistantId,
  ]);
  const row = rows[0];
  return row === undefined ? fail(assistantsProblems.notFound(assistantId)) : ok(present(row, asker));
}

/**
 * Changes what is given of an assistant the asker may edit. Seeing it without the right to change it
 * (a shared one, for a user) is `admin-required`; not seeing it at all is `assistant-not-found`.
 * Conversations started from it keep the settings they copied.
 */
export async function updateAssistant(
  db: Queryable,
  asker: Asker,
  assistantId: string,
  change: UpdateAssistantInput,
  now: Date,
): Promise<AssistantResult> {
  const checked = await checkEditable(db, asker, assistantId);
  if (!checked.ok) return checked;
  if (change.isShared !== undefined && asker.role !== "admin") return fail(accountsProblems.adminRequired());
  const given = (value: unknown) => value !== undefined;
  const { rows } = await db.query<AssistantRow>(
    `UPDATE assistants SET
       name = COALESCE($3, name),
       description = CASE WHEN $4 THEN $5 ELSE description END,
       model = CASE WHEN $6 THEN $7 ELSE model END,
       system_prompt = CASE WHEN $8 THEN $9 ELSE system_prompt END,
       sampling = COALESCE($10::jsonb, sampling),
       tools = COALESCE($11, tools),
       is_shared = COALESCE($12, is_shared),
       updated_at = $13
     WHERE id = $2 AND ${VISIBLE} RETURNING ${COLUMNS}`,
    [
      asker.id,
      assistantId,
      change.name ?? null,
      given(change.description),
      change.description ?? null,
      given(change.model),
      change.model ?? null,
      given(change.systemPrompt),
      change.systemPrompt ?? null,
      change.sampling === undefined ? null : JSON.stringify(setOptions(change.sampling)),
      change.tools ?? null,
      change.isShared ?? null,
      now,
    ],
  );
  const row = rows[0];
  return row === undefined ? fail(assistantsProblems.notFound(assistantId)) : ok(present(row, asker));
}

/** Deletes an assistant the asker may edit; conversations started from it keep their settings. */
export async function deleteAssistant(
  db: Queryable,
  asker: Asker,
  assistantId: string,
): Promise<Result<void, AssistantsProblem | AccountsProblem>> {
  const checked = await checkEditable(db, asker, assistantId);
  if (!checked.ok) return checked;
  const { rowCount } = await db.query(`DELETE FROM assistants WHERE id = $2 AND ${VISIBLE}`, [asker.id, assistantId]);
  return rowCount === 0 ? fail(assistantsProblems.notFound(assistantId)) : ok(undefined);
}

async function checkEditable(
  db: Queryable,
  asker: Asker,
  assistantId: string,
): Promise<Result<void, AssistantsProblem | AccountsProblem>> {
  const { rows } = await db.query<Pick<AssistantRow, "owner_id" | "is_shared">>(
    `SELECT owner_id, is_shared FROM assistants WHERE id = $2 AND ${VISIBLE}`,
    [asker.id, assistantId],
  );
  const row = rows[0];
  if (row === undefined) return fail(assistantsProblems.notFound(assistantId));
  return mayEdit(row, asker) ? ok(undefined) : fail(accountsProblems.adminRequired());
}

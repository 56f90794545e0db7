/**
 * @module Saved memories and the memory settings of one user. Every query names the user: another
 * user's memory is, to the caller, not there.
 */
import type { Database, Queryable } from "@hearth/db";
import { decodeCursor, encodeCursor } from "../pagination.ts";
import { fail, ok, type Result } from "../problems.ts";
import { type MemoryProblem, memoryProblems } from "./problems.ts";
import {
  MAX_MEMORIES_PER_USER,
  type Memory,
  type MemoryExport,
  type MemoryListQuery,
  type MemoryPage,
  type MemorySettings,
  type UpdateMemoryInput,
  type UpdateMemorySettingsInput,
} from "./schema.ts";

interface MemoryRow {
  id: string;
  content: string;
  status: Memory["status"];
  source: Memory["source"];
  conversation_id: string | null;
  message_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = "id, content, status, source, conversation_id, message_id, created_at, updated_at";

/** A fact as it is kept and compared: runs of white space as one space, none at the ends. */
const normalized = (content: string): string => content.replace(/\s+/gu, " ").trim();

/** The SQL that finds the user's ($1) memory of the same fact as $2, letter case aside. */
const SAME_FACT = "user_id = $1 AND lower(content) = lower($2)";

const present = (row: MemoryRow): Memory => ({
  id: row.id,
  content: row.content,
  status: row.status,
  source: row.source,
  conversationId: row.conversation_id,
  messageId: row.message_id,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export async function readMemorySettings(db: Queryable, userId: string): Promise<MemorySettings> {
  const { rows } = await db.query<{
    memory_enabled: boolean;
    memory_auto_save: boolean;
    memory_recall_history: boolean;
    saved: number;
    proposed: number;
  }>(
    `SELECT u.memory_enabled, u.memory_auto_save, u.memory_recall_history,
       (SELECT count(*)::int FROM memories WHERE user_id = u.id AND status = 'saved') AS saved,
       (SELECT count(*)::int FROM memories WHERE user_id = u.id AND status = 'proposed') AS proposed
     FROM users u WHERE u.id = $1`,
    [userId],
  );
  const row = rows[0];
  return {
    enabled: row?.memory_enabled ?? false,
    autoSave: row?.memory_auto_save ?? true,
    recallHistory: row?.memory_recall_history ?? true,
    saved: row?.saved ?? 0,
    proposed: row?.proposed ?? 0,
  };
}

export async function updateMemorySettings(
  db: Queryable,
  userId: string,
  change: UpdateMemorySettingsInput,
): Promise<MemorySettings> {
  await db.query(
    `UPDATE users SET memory_enabled = COALESCE($2, memory_enabled), memory_auto_save = COALESCE($3, memory_auto_save),
       memory_recall_history = COALESCE($4, memory_recall_history)
     WHERE id = $1`,
    [userId, change.enabled ?? null, change.autoSave ?? null, change.recallHistory ?? null],
  );
  return readMemorySettings(db, userId);
}

/** The user's memories, newest first, by keyset on (created_at, id). */
export async function listMemories(db: Queryable, userId: string, query: MemoryListQuery): Promise<MemoryPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  const { rows } = await db.query<MemoryRow>(
    `SELECT ${COLUMNS} FROM memories
     WHERE user_id = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [userId, query.status ?? null, after?.at ?? null, after?.id ?? null, query.limit + 1],
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    data: page.map(present),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
  };
}

export interface NewMemory {
  content: string;
  status: Memory["status"];
  source: Memory["source"];
  conversationId?: string | undefined;
  messageId?: string | undefined;
}

/**
 * Keeps a new memory. The same fact kept already (letter case and surrounding space aside) is
 * answered with the one there is, which a saved one saves if it was a proposal. Refused past MAX_MEMORIES_PER_USER: the
 * user's row is locked meanwhile, so two adds at once cannot both pass the count.
 */
export async function createMemory(
  db: Database,
  userId: string,
  memory: NewMemory,
  now: Date,
): Promise<Result<{ memory: Memory; outcome: "created" | "saved" | "unchanged" }, MemoryProblem>> {
  const content = normalized(memory.content);
  return db.transaction(async (tx) => {
    await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [userId]);
    const { rows: same } = await tx.query<MemoryRow>(`SELECT ${COLUMNS} FROM memories WHERE ${SAME_FACT} LIMIT 1`, [
      userId,
      content,
    ]);
    const kept = same[0];
    if (kept !== undefined) {
      if (memory.status !== "saved" || kept.status === "saved")
        return ok({ memory: present(kept), outcome: "unchanged" });
      const { rows } = await tx.query<MemoryRow>(
        `UPDATE memories SET status = 'saved', updated_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
        [kept.id, now],
      );
      return ok({ memory: present(rows[0] as MemoryRow), outcome: "saved" });
    }
    const { rows: counted } = await tx.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM memories WHERE user_id = $1",
      [userId],
    );
    if ((counted[0]?.count ?? 0) >= MAX_MEMORIES_PER_USER) return fail(memoryProblems.tooMany(MAX_MEMORIES_PER_USER));
    const { rows } = await tx.query<MemoryRow>(
      `INSERT INTO memories (user_id, content, status, source, conversation_id, message_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${COLUMNS}`,
      [userId, content, memory.status, memory.source, memory.conversationId ?? null, memory.messageId ?? null, now],
    );
    return ok({ memory: present(rows[0] as MemoryRow), outcome: "created" });
  });
}

/** Changes a memory's text or saves a proposal; refused as `memory-exists` where another memory keeps the new text. */
export async function updateMemory(
  db: Database,
  userId: string,
  memoryId: string,
  change: UpdateMemoryInput,
  now: Date,
): Promise<Result<Memory, MemoryProblem>> {
  const content = change.content === undefined ? null : normalized(change.content);
  return db.transaction(async (tx) => {
    // The user's row is locked as createMemory locks it, so no add of the same fact slips in between.
    await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [userId]);
    if (content !== null) {
      const { rows: same } = await tx.query<{ id: string }>(
        `SELECT id FROM memories WHERE ${SAME_FACT} AND id <> $3 LIMIT 1`,
        [userId, content, memoryId],
      );
      if (same[0] !== undefined) return fail(memoryProblems.exists(same[0].id));
    }
    const { rows } = await tx.query<MemoryRow>(
      `UPDATE memories SET content = COALESCE($3, content), status = COALESCE($4, status), updated_at = $5
       WHERE id = $2 AND user_id = $1 RETURNING ${COLUMNS}`,
      [userId, memoryId, content, change.status ?? null, now],
    );
    const row = rows[0];
    return row === undefined ? fail(memoryProblems.notFound(memoryId)) : ok(present(row));
  });
}

export async function deleteMemory(
  db: Queryable,
  userId: string,
  memoryId: string,
): Promise<Result<void, MemoryProblem>> {
  const { rowCount } = await db.query("DELETE FROM memories WHERE id = $2 AND user_id = $1", [userId, memoryId]);
  return rowCount === 0 ? fail(memoryProblems.notFound(memoryId)) : ok(undefined);
}

/** Deletes every memory of the user, saved and proposed; returns how many. */
export async function deleteAllMemories(db: Queryable, userId: string): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM memories WHERE user_id = $1", [userId]);
  return rowCount ?? 0;
}

/** The settings and every memory, oldest first: what a user takes with them. */
export async function exportMemories(db: Queryable, userId: string, now: Date): Promise<MemoryExport> {
  const { rows } = await db.query<MemoryRow>(
    `SELECT ${COLUMNS} FROM memories WHERE user_id = $1 ORDER BY created_at, id`,
    [userId],
  );
  return { exportedAt: now.toISOString(), settings: await readMemorySettings(db, userId), memories: rows.map(present) };
}

/** The user's saved memories for a prompt, newest first. */
export async function savedMemories(
  db: Queryable,
  userId: string,
  limit: number,
): Promise<{ id: string; content: string }[]> {
  const { rows } = await db.query<{ id: string; content: string }>(
    `SELECT id, content FROM memories WHERE user_id = $1 AND status = 'saved'
     ORDER BY created_at DESC, id DESC LIMIT $2`,
    [userId, limit],
  );
  return rows;
}

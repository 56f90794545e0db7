import { type Database, isUniqueViolation, type Queryable } from "@hearth/db";
import { decodeCursor, encodeCursor } from "../pagination.ts";
import { fail, ok, type Result } from "../problems.ts";
import { hashPassword } from "./passwords.ts";
import { type AccountsProblem, accountsProblems } from "./problems.ts";
import type { CreateUserInput, SetupInput, UpdateMeInput, UpdateUserInput, User } from "./schema.ts";
import { presentUser, USER_COLUMNS, type UserRow } from "./user-rows.ts";

export async function isSetUp(db: Queryable): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM instance_setup");
  return rows.length > 0;
}

/** First-run setup: creates the first admin, once. A concurrent second call gets setup-already-done. */
export async function setUpFirstAdmin(
  db: Database,
  input: SetupInput,
  now: Date,
): Promise<Result<User, AccountsProblem>> {
  if (await isSetUp(db)) return fail(accountsProblems.setupAlreadyDone());
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const claimed = await tx.query(
      "INSERT INTO instance_setup (completed_at) VALUES ($1) ON CONFLICT DO NOTHING RETURNING singleton",
      [now],
    );
    if (claimed.rows.length === 0) return fail(accountsProblems.setupAlreadyDone());
    const user = await insertUser(tx, { ...input, role: "admin" }, passwordHash, now);
    return ok(presentUser(user));
  });
}

export async function createUser(
  db: Database,
  input: CreateUserInput,
  now: Date,
): Promise<Result<User, AccountsProblem>> {
  const passwordHash = await hashPassword(input.password);
  try {
    return ok(presentUser(await insertUser(db, input, passwordHash, now)));
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return fail(await whichIsTaken(db, input));
  }
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE lower(email) = lower($1)`, [email]);
  return rows[0];
}

export interface UserPage {
  data: User[];
  nextCursor: string | null;
}

/** Users oldest first, by keyset on (created_at, id). */
export async function listUsers(
  db: Queryable,
  page: { limit: number; cursor?: string | undefined },
): Promise<UserPage> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const { rows } = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users
     WHERE $1::timestamptz IS NULL OR (created_at, id) > ($1::timestamptz, $2::uuid)
     ORDER BY created_at, id LIMIT $3`,
    [after?.at ?? null, after?.id ?? null, page.limit + 1],
  );
  const hasMore = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(presentUser),
    nextCursor: hasMore && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
  };
}

/**
 * Changes a user's role or disables them. Either is a privilege change: the user's auth epoch
 * moves on, so their sessions rotate on next use; disabling also ends every session at once.
 * The last active admin can be neither demoted nor disabled.
 */
export async function updateUser(
  db: Database,
  userId: string,
  change: UpdateUserInput,
  now: Date,
): Promise<Result<User, AccountsProblem>> {
  return db.transaction(async (tx) => {
    // Lock every active admin row: two admins demoting each other at once must not both succeed.
    await tx.query("SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE");
    const { rows } = await tx.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    const user = rows[0];
    if (user === undefined) return fail(accountsProblems.userNotFound(userId));

    const role = change.role ?? user.role;
    const disabled = change.disabled ?? user.disabled_at !== null;
    const isActiveAdminNow = user.role === "admin" && user.disabled_at === null;
    if (isActiveAdminNow && (role !== "admin" || disabled) && (await countActiveAdmins(tx)) <= 1) {
      return fail(accountsProblems.lastAdmin(userId));
    }
    const isPrivilegeChange = role !== user.role || disabled !== (user.disabled_at !== null);
    const updated = await tx.query<UserRow>(
      `UPDATE users SET role = $2, disabled_at = $3, updated_at = $4, auth_epoch = auth_epoch + $5
       WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [userId, role, disabled ? (user.disabled_at ?? now) : null, now, isPrivilegeChange ? 1 : 0],
    );
    if (disabled) await tx.query("DELETE FROM sessions WHERE user_id = $1", [userId]);
    return ok(presentUser(updated.rows[0] as UserRow));
  });
}

/** Changes the user's own settings (time zone, theme, language); those left out keep their value. */
export async function updateOwnSettings(
  db: Queryable,
  userId: string,
  change: UpdateMeInput,
  now: Date,
): Promise<User> {
  // A null language is a value ("the browser's"), so it is told apart from a language left out.
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET time_zone = COALESCE($2, time_zone), theme = COALESCE($3, theme),
       language = CASE WHEN $4 THEN $5 ELSE language END, updated_at = $6
     WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [
      userId,
      change.timeZone ?? null,
      change.theme ?? null,
      change.language !== undefined,
      change.language ?? null,
      now,
    ],
  );
  return presentUser(rows[0] as UserRow);
}

async function countActiveAdmins(tx: Queryable): Promise<number> {
  const { rows } = await tx.query<{ count: number }>(
    "SELECT count(*) AS count FROM users WHERE role = 'admin' AND disabled_at IS NULL",
  );
  return Number(rows[0]?.count ?? 0);
}

async function insertUser(
  db: Queryable,
  input: { username: string; email: string; role: "admin" | "user" },
  passwordHash: string,
  now: Date,
): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (username, email, password_hash, role, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $5) RETURNING ${USER_COLUMNS}`,
    [input.username, input.email, passwordHash, input.role, now],
  );
  return rows[0] as UserRow;
}

async function whichIsTaken(db: Queryable, input: { username: string; email: string }): Promise<AccountsProblem> {
  const existing = await findUserByEmail(db, input.email);
  return existing ? accountsProblems.emailTaken(input.email) : accountsProblems.usernameTaken(input.username);
}

export async function userExists(db: Queryable, userId: string): Promise<boolean> {
  const { rows } = await db.query("SELECT 1 FROM users WHERE id = $1", [userId]);
  return rows.length > 0;
}

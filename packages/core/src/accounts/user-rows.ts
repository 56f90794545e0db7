import type { Language, Theme, User } from "./schema.ts";

/** A users row as the service reads it. */
export interface UserRow {
  id: string;
  username: string;
  email: string;
  password_hash: string;
  role: "admin" | "user";
  disabled_at: Date | null;
  auth_epoch: number;
  time_zone: string;
  theme: Theme;
  language: Language | null;
  created_at: Date;
}

export const USER_COLUMNS =
  "id, username, email, password_hash, role, disabled_at, auth_epoch, time_zone, theme, language, created_at";

/** The user columns qualified by a table alias, for joins. */
export const userColumnsOf = (alias: string): string =>
  USER_COLUMNS.split(", ")
    .map((column) => `${alias}.${column}`)
    .join(", ");

export function presentUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    role: row.role,
    disabled: row.disabled_at !== null,
    timeZone: row.time_zone,
    theme: row.theme,
    language: row.language,
    createdAt: row.created_at.toISOString(),
  };
}

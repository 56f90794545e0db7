/** @module Rate-limit profiles, their assignments, and which one applies to a caller. */
import type { Queryable } from "@hearth/db";
import { z } from "@hono/zod-openapi";

const perWindow = (max: number, description: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(max)
    .nullable()
    .openapi({ description: `${description} null: no limit.` });

const ProfileLimits = z.object({
  requestsPerMinute: perWindow(1_000_000, "Model calls (sends, edits, regenerations, /v1 calls) per minute."),
  requestsPerDay: perWindow(100_000_000, "Model calls per day."),
  tokensPerMinute: perWindow(1_000_000_000, "Prompt and completion tokens per minute."),
  tokensPerDay: perWindow(1_000_000_000_000, "Prompt and completion tokens per day."),
});

export const ProfileId = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    "must be 1–63 lowercase letters, digits and dashes, starting with a letter or digit",
  )
  .openapi({ example: "team" });

const Description = z.string().max(500).nullable();

export const CreateProfileInput = ProfileLimits.partial()
  .extend({ id: ProfileId, description: Description.optional() })
  .strict()
  .openapi("CreateRateLimitProfile");
export const UpdateProfileInput = ProfileLimits.partial()
  .extend({ description: Description.optional() })
  .strict()
  .refine((change) => Object.keys(change).length > 0, { message: "give at least one field to change" })
  .openapi("UpdateRateLimitProfile");

export const AssignmentKind = z.enum(["role", "user", "apiKey"]);
export type AssignmentKind = z.infer<typeof AssignmentKind>;
const Assignment = z.object({ kind: AssignmentKind, id: z.string() }).openapi("RateLimitAssignment");

export const Profile = ProfileLimits.extend({
  id: z.string(),
  description: z.string().nullable(),
  assignments: z.array(Assignment),
}).openapi("RateLimitProfile");
export type Profile = z.infer<typeof Profile>;
type ProfileLimits = z.infer<typeof ProfileLimits>;

const KIND_COLUMN: Record<AssignmentKind, string> = { role: "role", user: "user", apiKey: "api_key" };
const KIND_OF: Record<string, AssignmentKind> = { role: "role", user: "user", api_key: "apiKey" };

interface Row {
  id: string;
  description: string | null;
  requests_per_minute: number | null;
  requests_per_day: number | string | null;
  tokens_per_minute: number | string | null;
  tokens_per_day: number | string | null;
}

const COLUMNS = "id, description, requests_per_minute, requests_per_day, tokens_per_minute, tokens_per_day";
const orNull = (value: number | string | null) => (value === null ? null : Number(value));

function limitsOf(row: Row): ProfileLimits {
  return {
    requestsPerMinute: orNull(row.requests_per_minute),
    requestsPerDay: orNull(row.requests_per_day),
    tokensPerMinute: orNull(row.tokens_per_minute),
    tokensPerDay: orNull(row.tokens_per_day),
  };
}

export async function listProfiles(db: Queryable): Promise<Profile[]> {
  const [profiles, assignments] = await Promise.all([
    db.query<Row>(`SELECT ${COLUMNS} FROM rate_limit_profiles ORDER BY id`),
    db.query<{ profile_id: string; target_kind: string; target_id: string }>(
      "SELECT profile_id, target_kind, target_id FROM rate_limit_assignments ORDER BY target_kind, target_id",
    ),
  ]);
  return profiles.rows.map((row) => ({
    id: row.id,
    description: row.description,
    ...limitsOf(row),
    assignments: assignments.rows
      .filter((assignment) => assignment.profile_id === row.id)
      .map((assignment) => ({ kind: KIND_OF[assignment.target_kind] as AssignmentKind, id: assignment.target_id })),
  }));
}

export async function findProfile(db: Queryable, id: string): Promise<Profile | undefined> {
  return (await listProfiles(db)).find((profile) => profile.id === id);
}

/** Creates a profile; false when one has the id already. */
export async function createProfile(
  db: Queryable,
  input: z.infer<typeof CreateProfileInput>,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO rate_limit_profiles (id, description, requests_per_minute, requests_per_day, tokens_per_minute, tokens_per_day, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (id) DO NOTHING`,
    [
      input.id,
      input.description ?? null,
      input.requestsPerMinute ?? null,
      input.requestsPerDay ?? null,
      input.tokensPerMinute ?? null,
      input.tokensPerDay ?? null,
      now,
    ],
  );
  return (rowCount ?? 0) > 0;
}

const FIELD_COLUMNS = {
  description: "description",
  requestsPerMinute: "requests_per_minute",
  requestsPerDay: "requests_per_day",
  tokensPerMinute: "tokens_per_minute",
  tokensPerDay: "tokens_per_day",
} as const;

/** Changes the fields given; false when there is no such profile. */
export async function updateProfile(
  db: Queryable,
  id: string,
  change: z.infer<typeof UpdateProfileInput>,
  now: Date,
): Promise<boolean> {
  const sets: string[] = [];
  const params: unknown[] = [id, now];
  for (const [field, column] of Object.entries(FIELD_COLUMNS)) {
    const value = change[field as keyof typeof FIELD_COLUMNS];
    if (value === undefined) continue;
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  }
  const { rowCount } = await db.query(
    `UPDATE rate_limit_profiles SET ${[...sets, "updated_at = $2"].join(", ")} WHERE id = $1`,
    params,
  );
  return (rowCount ?? 0) > 0;
}

export async function deleteProfile(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query("DELETE FROM rate_limit_profiles WHERE id = $1", [id]);
  return (rowCount ?? 0) > 0;
}

/** Assigns a profile to a role, a user or a key, or (null) takes its assignment away. */
export async function assignProfile(
  db: Queryable,
  target: { kind: AssignmentKind; id: string },
  profileId: string | null,
  now: Date,
): Promise<void> {
  const kind = KIND_COLUMN[target.kind];
  if (profileId === null) {
    await db.query("DELETE FROM rate_limit_assignments WHERE target_kind = $1 AND target_id = $2", [kind, target.id]);
    return;
  }
  await db.query(
    `INSERT INTO rate_limit_assignments (target_kind, target_id, profile_id, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (target_kind, target_id) DO UPDATE SET profile_id = $3, updated_at = $4`,
    [kind, target.id, profileId, now],
  );
}

/** Who is asking: the user, their role, and the API key they came with. */
export interface Caller {
  userId: string;
  role: string;
  apiKeyId?: string | undefined;
}

/** The profile that applies to a caller and what its limits count against (the key's, or the user's). */
export interface AppliedProfile {
  id: string;
  limits: ProfileLimits;
  /** The counting subject: `key:<id>` when the key's own profile applies, else `user:<id>`. */
  subject: string;
  /** The ledger rows its token budgets sum: the key's calls, or the user's. */
  ledger: { column: "api_key_id" | "user_id"; id: string };
}

/** The most specific profile assigned: the API key's, the user's, then the role's; undefined when none is. */
export async function appliedProfile(db: Queryable, caller: Caller): Promise<AppliedProfile | undefined> {
  const { rows } = await db.query<Row & { target_kind: string }>(
    `SELECT a.target_kind, ${COLUMNS.split(", ")
      .map((column) => `p.${column}`)
      .join(", ")}
     FROM rate_limit_assignments a JOIN rate_limit_profiles p ON p.id = a.profile_id
     WHERE (a.target_kind = 'api_key' AND a.target_id = $1) OR (a.target_kind = 'user' AND a.target_id = $2)
        OR (a.target_kind = 'role' AND a.target_id = $3)
     ORDER BY CASE a.target_kind WHEN 'api_key' THEN 0 WHEN 'user' THEN 1 ELSE 2 END LIMIT 1`,
    [caller.apiKeyId ?? "", caller.userId, caller.role],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const byKey = row.target_kind === "api_key" && caller.apiKeyId !== undefined;
  return {
    id: row.id,
    limits: limitsOf(row),
    subject: byKey ? `key:${caller.apiKeyId}` : `user:${caller.userId}`,
    ledger: byKey ? { column: "api_key_id", id: caller.apiKeyId as string } : { column: "user_id", id: caller.userId },
  };
}

import type { Migration } from "@hearth/db";

export const accountsMigrations: Migration[] = [
  {
    id: "0001-accounts",
    sql: `
-- One row, written by first-run setup in the same transaction as the first admin: a second setup
-- conflicts on the primary key instead of racing.
CREATE TABLE instance_setup (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  completed_at timestamptz NOT NULL
);

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username text NOT NULL,
  email text NOT NULL,
  password_hash text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'user')),
  disabled_at timestamptz,
  -- Bumped on every privilege change; a session from an older epoch is rotated on its next use.
  auth_epoch integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_created_at_id ON users (created_at, id);

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  auth_epoch integer NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  key_hash text NOT NULL UNIQUE,
  prefix text NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz
);
CREATE INDEX api_keys_user_id ON api_keys (user_id, created_at);
`,
  },
  {
    id: "0012-user-time-zone",
    sql: `
-- The user's IANA time zone: tools (current_time) answer in it. Set with PATCH /api/auth/me.
ALTER TABLE users ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
`,
  },
];

import type { Migration } from "@hearth/db";

export const limitMigrations: Migration[] = [
  {
    id: "0005-user-limits",
    sql: `
-- An admin's overrides of the configured limits for one user; null is the configured default.
CREATE TABLE user_limit_overrides (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  event_streams integer,
  api_keys integer,
  conversations_per_minute integer,
  messages_per_minute integer,
  storage_bytes bigint,
  updated_at timestamptz NOT NULL
);

-- Bytes of message text in each user's conversations, kept as a running count in the statements
-- that write messages, so checking the quota never sums a user's messages.
CREATE TABLE user_storage (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  stored_bytes bigint NOT NULL DEFAULT 0
);
INSERT INTO user_storage (user_id, stored_bytes)
  SELECT c.owner_id, sum(octet_length(m.content))
  FROM messages m JOIN conversations c ON c.id = m.conversation_id
  GROUP BY c.owner_id;
`,
  },
];

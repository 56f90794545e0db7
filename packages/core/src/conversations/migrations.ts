import type { Migration } from "@hearth/db";

export const conversationMigrations: Migration[] = [
  {
    id: "0003-conversations",
    sql: `
CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL,
  model text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Set by a delete, cleared by a restore: a deleted conversation is hidden, not gone.
  deleted_at timestamptz
);
-- The owner's list, newest-updated first, paged by keyset on (updated_at, id).
CREATE INDEX conversations_owner_updated_at_id ON conversations (owner_id, updated_at DESC, id DESC);
`,
  },
];

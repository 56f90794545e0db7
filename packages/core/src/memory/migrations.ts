import type { Migration } from "@hearth/db";

export const memoryMigrations: Migration[] = [
  {
    id: "0029-memory",
    sql: `
-- Short facts a user keeps for the model to know ("prefers metric units"): added by them, or proposed
-- by the model's remember tool (saved at once with automatic saving on, otherwise waiting for the
-- user as 'proposed'). Gone with the account; a memory outlives the conversation it came from.
CREATE TABLE memories (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content text NOT NULL,
  status text NOT NULL CHECK (status IN ('saved', 'proposed')),
  source text NOT NULL CHECK (source IN ('user', 'model')),
  conversation_id uuid REFERENCES conversations (id) ON DELETE SET NULL,
  message_id uuid REFERENCES messages (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX memories_user_created_at_id ON memories (user_id, created_at DESC, id DESC);

-- Memory is off until its user turns it on. Automatic saving: the model's proposals are saved at
-- once (off: they wait for the user). Recall from history: replies read passages of the user's
-- other conversations.
ALTER TABLE users ADD COLUMN memory_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN memory_auto_save boolean NOT NULL DEFAULT true;
ALTER TABLE users ADD COLUMN memory_recall_history boolean NOT NULL DEFAULT true;

-- A temporary chat neither reads memory nor is recalled into other conversations' replies.
ALTER TABLE conversations ADD COLUMN temporary boolean NOT NULL DEFAULT false;

-- What a reply's prompt held from memory: saved memories and passages of other conversations.
ALTER TABLE messages ADD COLUMN memory_used jsonb;
`,
  },
];

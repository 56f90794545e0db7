import type { Migration } from "@hearth/db";

export const assistantMigrations: Migration[] = [
  {
    id: "0023-assistants",
    sql: `
-- A named model, system prompt, sampling and tools to start conversations from. Personal ones are
-- their creator's alone; shared ones (only admins make them) are seen by everyone.
CREATE TABLE assistants (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  is_shared boolean NOT NULL DEFAULT false,
  name text NOT NULL,
  description text,
  model text,
  system_prompt text,
  -- Only the options set (ModelSampling's names); none: the model's defaults.
  sampling jsonb NOT NULL DEFAULT '{}',
  tools text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- A user's list (their own, newest first) and everyone's shared ones, both paged by (created_at, id).
CREATE INDEX assistants_owner_created_at_id ON assistants (owner_id, created_at DESC, id DESC);
CREATE INDEX assistants_shared_created_at_id ON assistants (created_at DESC, id DESC) WHERE is_shared;

-- The assistant a conversation started from (its settings were copied then; later edits of it change
-- nothing here). Null once that assistant is deleted.
ALTER TABLE conversations ADD COLUMN assistant_id uuid REFERENCES assistants (id) ON DELETE SET NULL;
-- The conversation's own sampling, over the model's defaults option by option; '{}': the model's.
ALTER TABLE conversations ADD COLUMN sampling jsonb NOT NULL DEFAULT '{}';
`,
  },
];

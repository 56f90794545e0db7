import type { Migration } from "@hearth/db";

export const openAiApiMigrations: Migration[] = [
  {
    id: "0008-completions-in-progress",
    sql: `
-- A row per /v1 completion being written, so a user's completions are counted across every node. A
-- node refreshes its rows' seen_at while they run; the rows of a node that died stop counting once stale.
CREATE TABLE completions_in_progress (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL,
  seen_at timestamptz NOT NULL
);
CREATE INDEX completions_in_progress_user_id_seen_at ON completions_in_progress (user_id, seen_at);
`,
  },
];

import type { Migration } from "@hearth/db";

export const modelPullMigrations: Migration[] = [
  {
    id: "0021-model-pulls",
    sql: `
-- Models admins pull into a node's models dir. The node downloading one holds a lease it renews;
-- a pull whose lease ran out (its node stopped) is taken up by the next node that starts on the same
-- models dir, which resumes from what the download left in the staging dir.
CREATE TABLE model_pulls (
  id uuid PRIMARY KEY,
  source text NOT NULL,
  file_name text NOT NULL,
  files jsonb NOT NULL,
  sha256 text,
  status text NOT NULL CHECK (status IN ('downloading', 'verifying', 'done', 'failed', 'cancelled')),
  total_bytes bigint NOT NULL,
  downloaded_bytes bigint NOT NULL DEFAULT 0,
  bytes_per_second bigint NOT NULL DEFAULT 0,
  eta_seconds integer,
  error text,
  node_id text,
  lease_until timestamptz,
  created_by uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz
);
-- One pull of a file at a time.
CREATE UNIQUE INDEX model_pulls_running_file ON model_pulls (file_name) WHERE status IN ('downloading', 'verifying');
CREATE INDEX model_pulls_created ON model_pulls (created_at DESC);
`,
  },
];

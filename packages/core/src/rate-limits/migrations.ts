import type { Migration } from "@hearth/db";

export const rateLimitMigrations: Migration[] = [
  {
    id: "0002-rate-limit-buckets",
    sql: `
CREATE TABLE rate_limit_buckets (
  key text PRIMARY KEY,
  window_started_at timestamptz NOT NULL,
  hits integer NOT NULL
);
CREATE INDEX rate_limit_buckets_window_started_at ON rate_limit_buckets (window_started_at);
`,
  },
];

import type { Migration } from "@hearth/db";

export const scheduledJobMigrations: Migration[] = [
  {
    id: "0018-scheduled-jobs",
    sql: `
-- Recurring work (housekeeping) that every node schedules but only one should run each time: the node
-- that moves next_run_at forward runs it. job_runs keeps what ran where, for operators and tests.
CREATE TABLE scheduled_jobs (
  name text PRIMARY KEY,
  next_run_at timestamptz NOT NULL
);
CREATE TABLE job_runs (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  node_id text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  error text
);
CREATE INDEX job_runs_name_started ON job_runs (name, started_at);
`,
  },
];

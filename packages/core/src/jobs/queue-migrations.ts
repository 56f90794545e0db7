import type { Migration } from "@hearth/db";

export const jobQueueMigrations: Migration[] = [
  {
    id: "0027-job-queue",
    sql: `
-- The durable job queue: work that must survive restarts and run once among many nodes. A node
-- claims ready jobs with FOR UPDATE SKIP LOCKED and holds each under a lease it renews; a job whose
-- lease ran out (its node died) is claimed again. A failure is retried later (exponential backoff)
-- until max_attempts, then the job is dead until an admin retries it.
CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  queue text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
  -- At most one job of a queue with the same key is queued or running: enqueueing it again is a no-op.
  singleton_key text,
  attempts integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  run_after timestamptz NOT NULL,
  lease_until timestamptz,
  locked_by text,
  last_error text,
  -- What the handler last said of its progress (counts, a fraction), for admins.
  progress jsonb,
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX jobs_ready ON jobs (run_after, created_at) WHERE state = 'queued';
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_singleton ON jobs (queue, singleton_key)
  WHERE singleton_key IS NOT NULL AND state IN ('queued', 'running');
CREATE INDEX jobs_state_created_at_id ON jobs (state, created_at DESC, id DESC);
CREATE INDEX jobs_finished_at ON jobs (finished_at) WHERE state IN ('done', 'dead');
`,
  },
];

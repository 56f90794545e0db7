import type { Migration } from "@hearth/db";

export const quotaMigrations: Migration[] = [
  {
    id: "0025-rate-limit-profiles",
    sql: `
-- Rate-limit profiles admins define: model calls per minute and per day, tokens per minute and per
-- day; null is no limit. A profile is assigned to a role, a user or an API key; the most specific
-- assignment applies (key, then user, then role).
CREATE TABLE rate_limit_profiles (
  id text PRIMARY KEY,
  description text,
  requests_per_minute integer,
  requests_per_day integer,
  tokens_per_minute bigint,
  tokens_per_day bigint,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE rate_limit_assignments (
  target_kind text NOT NULL CHECK (target_kind IN ('role', 'user', 'api_key')),
  target_id text NOT NULL,
  profile_id text NOT NULL REFERENCES rate_limit_profiles (id) ON DELETE CASCADE,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (target_kind, target_id)
);
CREATE INDEX rate_limit_assignments_profile ON rate_limit_assignments (profile_id);

-- The generic cell rate algorithm's state per key: the theoretical arrival time of the next request.
-- One row per limited key, updated in one statement, so every node shares it and a restart keeps it.
CREATE TABLE rate_limit_gcra (
  key text PRIMARY KEY,
  tat timestamptz NOT NULL
);
CREATE INDEX rate_limit_gcra_tat ON rate_limit_gcra (tat);

-- Token budgets are sums over the usage ledger in a sliding window: an API key's own calls by key.
CREATE INDEX model_usage_api_key_time ON model_usage (api_key_id, created_at) WHERE api_key_id IS NOT NULL;
`,
  },
];

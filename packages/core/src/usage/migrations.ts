import type { Migration } from "@hearth/db";

export const usageMigrations: Migration[] = [
  {
    id: "0024-model-usage",
    sql: `
-- One row per model call that ended: a conversation's reply or a /v1 call. Kept when the conversation
-- is deleted (what was used was used); gone with the account.
CREATE TABLE model_usage (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  api_key_id uuid,
  source text NOT NULL CHECK (source IN ('chat', 'api')),
  provider text NOT NULL,
  model text NOT NULL,
  status text NOT NULL,
  prompt_tokens integer NOT NULL,
  completion_tokens integer NOT NULL,
  -- From the call's start (its queue included) to its first token; null when none came.
  first_token_ms integer,
  -- From the first token to the end: with completion_tokens, the speed.
  generation_ms integer,
  message_id uuid,
  created_at timestamptz NOT NULL
);
CREATE INDEX model_usage_user_time ON model_usage (user_id, created_at);
CREATE INDEX model_usage_time ON model_usage (created_at);
`,
  },
];

import type { Migration } from "@hearth/db";

export const modelSettingMigrations: Migration[] = [
  {
    id: "0022-model-settings",
    sql: `
-- How admins have set a model: how llama.cpp loads it (context size, GPU layers, chat template, how
-- long it stays loaded) and what a call gets where it says nothing (sampling, system prompt). Keyed by
-- the qualified model id; a row holds only what was set, NULL is the default.
CREATE TABLE model_settings (
  model_id text PRIMARY KEY,
  context_size integer,
  gpu_layers integer,
  chat_template text,
  keep_loaded_seconds integer,
  system_prompt text,
  sampling jsonb NOT NULL DEFAULT '{}',
  updated_by uuid REFERENCES users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL
);
`,
  },
];

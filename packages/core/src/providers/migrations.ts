import type { Migration } from "@hearth/db";

export const providerMigrations: Migration[] = [
  {
    id: "0007-model-providers",
    sql: `
-- Model providers an admin added through the API (those of the config file are not stored). Every
-- node reads this table, so a change made on one node reaches the others.
CREATE TABLE model_providers (
  id text PRIMARY KEY,
  kind text NOT NULL,
  base_url text NOT NULL,
  -- AES-256-GCM under the secret key, which is never in the database (secret-box.ts); null: no key.
  api_key_ciphertext text,
  -- The allow-list of model ids (a JSON array of strings); null: every model the provider offers.
  models jsonb,
  timeout_seconds integer NOT NULL,
  enabled boolean NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
`,
  },
  {
    id: "0011-installation",
    sql: `
-- One row: this installation's random id, shared by every node through the database. Requests to
-- providers carry it (Hearth-Via), so a provider that leads back to this installation is refused at
-- once instead of looping (request-chain.ts).
CREATE TABLE installation (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  id text NOT NULL
);
INSERT INTO installation (id) VALUES (replace(gen_random_uuid()::text, '-', ''));
`,
  },
];

import type { Migration } from "@hearth/db";

export const nodeModelMigrations: Migration[] = [
  {
    id: "0019-node-models",
    sql: `
-- Among nodes, which node holds which local model (a GGUF in its own models dir): nodes without a
-- model list it from here and hand its replies to a node that holds it. Each node refreshes its
-- rows while it runs and deletes them when it stops; rows not refreshed for a while no longer count.
CREATE TABLE node_models (
  node_id text NOT NULL,
  model_id text NOT NULL,
  descriptor jsonb NOT NULL,
  seen_at timestamptz NOT NULL,
  PRIMARY KEY (node_id, model_id)
);
`,
  },
  {
    id: "0020-node-model-urls",
    sql: `
-- Where the node that holds a model can be reached, so a /v1 request for it that reaches another
-- node is sent on there. Null for a node that did not say.
ALTER TABLE node_models ADD COLUMN node_url text;
`,
  },
];

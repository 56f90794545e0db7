import type { Migration } from "@hearth/db";

export const searchMigrations: Migration[] = [
  {
    id: "0028-search",
    sql: `
-- When the search index last took the message in; null: still to index (a finished message is
-- indexed within seconds; existing history is indexed by the same sweep, oldest first).
ALTER TABLE messages ADD COLUMN search_indexed_at timestamptz;
CREATE INDEX messages_search_pending ON messages (seq) WHERE search_indexed_at IS NULL;

-- A message's text as search reads it: in chunks short enough for an embedding model, with the
-- owner, conversation, role, model and time copied for filters, and a tsvector in the owner's
-- language. Each chunk's vector, where an embedding model is configured, is in search_vectors
-- (created at start where pgvector is available: see search/vector-store.ts).
CREATE TABLE search_chunks (
  message_id uuid NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  chunk integer NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role text NOT NULL,
  model text,
  created_at timestamptz NOT NULL,
  language regconfig NOT NULL,
  text text NOT NULL,
  tsv tsvector GENERATED ALWAYS AS (to_tsvector(language, text)) STORED,
  -- The embedding model its vector was made with; null while it has none from the current one.
  embedded_with text,
  PRIMARY KEY (message_id, chunk)
);
CREATE INDEX search_chunks_tsv ON search_chunks USING gin (tsv);
CREATE INDEX search_chunks_user_created ON search_chunks (user_id, created_at DESC);
CREATE INDEX search_chunks_to_embed ON search_chunks (created_at DESC) WHERE embedded_with IS NULL;

-- Which embedding model the stored vectors belong to; a change of model re-embeds every chunk.
CREATE TABLE search_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  embedding_model text
);
INSERT INTO search_state (id, embedding_model) VALUES (true, NULL);
`,
  },
];

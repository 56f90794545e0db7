import type { Migration } from "@hearth/db";

export const conversationMigrations: Migration[] = [
  {
    id: "0003-conversations",
    sql: `
CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL,
  model text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Set by a delete, cleared by a restore: a deleted conversation is hidden, not gone.
  deleted_at timestamptz
);
-- The owner's list, newest-updated first, paged by keyset on (updated_at, id).
CREATE INDEX conversations_owner_updated_at_id ON conversations (owner_id, updated_at DESC, id DESC);
`,
  },
  {
    id: "0004-messages-and-events",
    sql: `
-- 'default' until the model or the owner names the conversation; only a default title is replaced by the model's.
ALTER TABLE conversations ADD COLUMN title_source text NOT NULL DEFAULT 'user'
  CHECK (title_source IN ('default', 'user', 'model'));
UPDATE conversations SET title_source = 'default' WHERE title = 'New conversation';
-- The leaf of the branch the owner is looking at; the active path runs from it up to a root.
ALTER TABLE conversations ADD COLUMN active_message_id uuid;
-- The id of the conversation's newest event: event ids are taken from it under the row's lock.
ALTER TABLE conversations ADD COLUMN last_event_id bigint NOT NULL DEFAULT 0;

CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Creation order, for siblings and the tree.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  parent_id uuid REFERENCES messages (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  content text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'streaming', 'done', 'cancelled', 'interrupted', 'error')),
  model text,
  -- Why a reply ended in 'error' or 'interrupted', in words a person can read.
  error text,
  prompt_tokens integer,
  completion_tokens integer,
  -- How many messages of the path went into the reply's prompt (older ones did not fit the context).
  context_messages integer,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
-- A parent's children (its reply, or the sibling branches) in creation order; also serves the cascade.
CREATE INDEX messages_parent_seq ON messages (parent_id, seq);
-- The roots of a conversation (the first message and its edits) in creation order.
CREATE INDEX messages_conversation_roots ON messages (conversation_id, seq) WHERE parent_id IS NULL;
-- The whole tree in creation order.
CREATE INDEX messages_conversation_seq ON messages (conversation_id, seq);
-- Replies left unfinished by a crash are found at the next start without a scan.
CREATE INDEX messages_unfinished ON messages (status) WHERE status IN ('pending', 'streaming');
ALTER TABLE conversations ADD CONSTRAINT conversations_active_message_fk
  FOREIGN KEY (active_message_id) REFERENCES messages (id) ON DELETE SET NULL;
CREATE INDEX conversations_active_message ON conversations (active_message_id);

-- What SSE clients replay with Last-Event-ID; pruned after the retention period.
CREATE TABLE conversation_events (
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  id bigint NOT NULL,
  type text NOT NULL,
  -- The event's JSON, as sent.
  data text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (conversation_id, id)
);
CREATE INDEX conversation_events_created_at ON conversation_events (created_at);
`,
  },
  {
    id: "0006-event-streams",
    sql: `
-- One row per open event stream, on any node, so a user's streams are counted across nodes. The
-- node holding a stream refreshes seen_at every few seconds and deletes the row when it closes; the
-- rows of a node that died stop counting once stale, and housekeeping deletes them.
CREATE TABLE event_streams (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  opened_at timestamptz NOT NULL,
  seen_at timestamptz NOT NULL
);
CREATE INDEX event_streams_user_id_seen_at ON event_streams (user_id, seen_at);
CREATE INDEX event_streams_seen_at ON event_streams (seen_at);
`,
  },
];

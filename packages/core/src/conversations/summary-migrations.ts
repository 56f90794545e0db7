import type { Migration } from "@hearth/db";

export const conversationSummaryMigrations: Migration[] = [
  {
    id: "0026-conversation-summaries",
    sql: `
-- What a conversation does when its history no longer fits the model's context: drop the oldest
-- turns, or replace them with a summary the model writes (and rewrites as the conversation grows).
ALTER TABLE conversations ADD COLUMN context_strategy text NOT NULL DEFAULT 'drop-oldest'
  CHECK (context_strategy IN ('drop-oldest', 'summarize'));

-- A summary of a branch's messages from its start (or from where an earlier summary began) through
-- one message. The path to a message is one path, so it serves every branch below that message.
CREATE TABLE conversation_summaries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  through_message_id uuid NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
  -- How many messages it stands for (an earlier summary's included).
  covered_messages integer NOT NULL,
  content text NOT NULL,
  -- The model that wrote it.
  model text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX conversation_summaries_conversation_created_at_id
  ON conversation_summaries (conversation_id, created_at DESC, id DESC);

-- The summary a reply's prompt began with (after the system prompt); null: none.
ALTER TABLE messages ADD COLUMN context_summary_id uuid REFERENCES conversation_summaries (id) ON DELETE SET NULL;
`,
  },
];

import type { Migration } from "@hearth/db";

export const conversationToolMigrations: Migration[] = [
  {
    id: "0009-conversation-tools",
    sql: `
-- The tools a conversation's replies may call, by name (the registry's); none by default.
ALTER TABLE conversations ADD COLUMN tools text[] NOT NULL DEFAULT '{}';
-- 'required': the first step of each reply must call a tool; later steps choose.
ALTER TABLE conversations ADD COLUMN tool_choice text NOT NULL DEFAULT 'auto'
  CHECK (tool_choice IN ('auto', 'required'));
-- A reply's tool calls and results in order, each with its offset into content (the text before it);
-- null for a reply of text alone, so content stays the whole text for search and titles.
ALTER TABLE messages ADD COLUMN parts jsonb;
`,
  },
  {
    id: "0010-reply-parts-storage",
    sql: `
-- A reply's tool calls and results count towards its owner's storage quota like its text: a tool's
-- output is up to chat.toolOutputBytes per call, and a quota that left it out could be filled past.
CREATE OR REPLACE FUNCTION count_stored_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta bigint;
  conversation uuid;
BEGIN
  IF TG_OP = 'INSERT' THEN
    delta := octet_length(NEW.content) + COALESCE(octet_length(NEW.parts::text), 0);
    conversation := NEW.conversation_id;
  ELSIF TG_OP = 'DELETE' THEN
    delta := -(octet_length(OLD.content) + COALESCE(octet_length(OLD.parts::text), 0));
    conversation := OLD.conversation_id;
  ELSE
    delta := octet_length(NEW.content) + COALESCE(octet_length(NEW.parts::text), 0)
      - octet_length(OLD.content) - COALESCE(octet_length(OLD.parts::text), 0);
    conversation := NEW.conversation_id;
  END IF;
  IF delta > 0 THEN
    INSERT INTO user_storage AS s (user_id, stored_bytes)
      SELECT owner_id, delta FROM conversations WHERE id = conversation
      ON CONFLICT (user_id) DO UPDATE SET stored_bytes = s.stored_bytes + EXCLUDED.stored_bytes;
  ELSIF delta < 0 THEN
    -- Only an update: when a user is deleted, their row may already be gone.
    UPDATE user_storage SET stored_bytes = GREATEST(stored_bytes + delta, 0)
      WHERE user_id = (SELECT owner_id FROM conversations WHERE id = conversation);
  END IF;
  RETURN NULL;
END
$$;
DROP TRIGGER messages_count_stored_bytes ON messages;
CREATE TRIGGER messages_count_stored_bytes AFTER INSERT OR DELETE OR UPDATE OF content, parts ON messages
  FOR EACH ROW EXECUTE FUNCTION count_stored_bytes();
-- Parts stored before this migration.
UPDATE user_storage s SET stored_bytes = s.stored_bytes + p.bytes
FROM (
  SELECT c.owner_id, sum(octet_length(m.parts::text)) AS bytes
  FROM messages m JOIN conversations c ON c.id = m.conversation_id
  WHERE m.parts IS NOT NULL GROUP BY c.owner_id
) p
WHERE s.user_id = p.owner_id;
`,
  },
  {
    id: "0013-conversation-system-prompt",
    sql: `
-- What the model is told before the conversation (its instructions); null: nothing.
ALTER TABLE conversations ADD COLUMN system_prompt text;
`,
  },
];

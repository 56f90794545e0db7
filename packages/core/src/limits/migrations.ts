import type { Migration } from "@hearth/db";

export const limitMigrations: Migration[] = [
  {
    id: "0005-user-limits",
    sql: `
-- An admin's overrides of the configured limits for one user; null is the configured default.
CREATE TABLE user_limit_overrides (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  event_streams integer,
  api_keys integer,
  conversations_per_minute integer,
  messages_per_minute integer,
  storage_bytes bigint,
  updated_at timestamptz NOT NULL
);

-- Bytes of message text in each user's conversations (deleted-but-restorable ones included), kept
-- as a running count so checking the quota never sums a user's messages.
CREATE TABLE user_storage (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  stored_bytes bigint NOT NULL DEFAULT 0
);
INSERT INTO user_storage (user_id, stored_bytes)
  SELECT c.owner_id, sum(octet_length(m.content))
  FROM messages m JOIN conversations c ON c.id = m.conversation_id
  GROUP BY c.owner_id;

-- A trigger, not the code that writes messages, keeps the count: every path (a question, a reply's
-- deltas, a settle, a future purge) is counted in its own statement's transaction, and none can
-- forget it. AFTER ROW triggers run at the end of the statement, after the reply writer's statement
-- has locked the conversation, so locks are always taken conversation first, then user_storage.
CREATE FUNCTION count_stored_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  delta bigint;
  conversation uuid;
BEGIN
  IF TG_OP = 'INSERT' THEN
    delta := octet_length(NEW.content);
    conversation := NEW.conversation_id;
  ELSIF TG_OP = 'DELETE' THEN
    delta := -octet_length(OLD.content);
    conversation := OLD.conversation_id;
  ELSE
    delta := octet_length(NEW.content) - octet_length(OLD.content);
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
CREATE TRIGGER messages_count_stored_bytes AFTER INSERT OR DELETE OR UPDATE OF content ON messages
  FOR EACH ROW EXECUTE FUNCTION count_stored_bytes();
`,
  },
];

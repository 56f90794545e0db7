import type { Migration } from "@hearth/db";

export const conversationPinMigrations: Migration[] = [
  {
    id: "0015-conversation-pins",
    sql: `
-- When the owner pinned the conversation; null: not pinned. Pinned ones head the list.
ALTER TABLE conversations ADD COLUMN pinned_at timestamptz;
-- The owner's list: pinned first, then newest-updated, paged by keyset on (pinned, updated_at, id).
CREATE INDEX conversations_owner_pinned_updated_at_id
  ON conversations (owner_id, (pinned_at IS NOT NULL) DESC, updated_at DESC, id DESC);
`,
  },
];

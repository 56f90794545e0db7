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
];

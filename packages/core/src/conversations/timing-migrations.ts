import type { Migration } from "@hearth/db";

export const messageTimingMigrations: Migration[] = [
  {
    id: "0014-message-timing",
    sql: `
-- When a reply's first output (text or a tool call) arrived, and when it ended: with created_at
-- (when it was asked for) they give its time to first token and its speed. Null for questions, and
-- for replies written before this migration.
ALTER TABLE messages ADD COLUMN first_token_at timestamptz;
ALTER TABLE messages ADD COLUMN finished_at timestamptz;
`,
  },
];

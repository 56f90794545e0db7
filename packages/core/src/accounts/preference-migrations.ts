import type { Migration } from "@hearth/db";

export const preferenceMigrations: Migration[] = [
  {
    id: "0016-user-preferences",
    sql: `
-- The user's theme and language, applied by the web app on every device they sign in on. A null
-- language means "the browser's".
ALTER TABLE users
  ADD COLUMN theme text NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
  ADD COLUMN language text CHECK (language IN ('en', 'de', 'es', 'fr'));
`,
  },
];

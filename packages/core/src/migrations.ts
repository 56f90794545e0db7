import type { Migration } from "@hearth/db";
import { accountsMigrations } from "./accounts/migrations.ts";
import { conversationMigrations } from "./conversations/migrations.ts";
import { conversationToolMigrations } from "./conversations/tool-migrations.ts";
import { limitMigrations } from "./limits/migrations.ts";
import { openAiApiMigrations } from "./openai-api/migrations.ts";
import { providerMigrations } from "./providers/migrations.ts";
import { rateLimitMigrations } from "./rate-limits/migrations.ts";

/** Every capability's migrations, in the order they apply. */
export const migrations: Migration[] = [
  ...accountsMigrations,
  ...rateLimitMigrations,
  ...conversationMigrations,
  ...limitMigrations,
  ...openAiApiMigrations,
  ...providerMigrations,
  ...conversationToolMigrations,
].sort((a, b) => a.id.localeCompare(b.id));

import type { Migration } from "@hearth/db";
import { accountsMigrations } from "./accounts/migrations.ts";
import { preferenceMigrations } from "./accounts/preference-migrations.ts";
import { assistantMigrations } from "./assistants/migrations.ts";
import { replyLeaseMigrations } from "./conversations/lease-migrations.ts";
import { conversationMigrations } from "./conversations/migrations.ts";
import { conversationPinMigrations } from "./conversations/pin-migrations.ts";
import { conversationSummaryMigrations } from "./conversations/summary-migrations.ts";
import { messageTimingMigrations } from "./conversations/timing-migrations.ts";
import { conversationToolMigrations } from "./conversations/tool-migrations.ts";
import { scheduledJobMigrations } from "./jobs/migrations.ts";
import { jobQueueMigrations } from "./jobs/queue-migrations.ts";
import { limitMigrations } from "./limits/migrations.ts";
import { memoryMigrations } from "./memory/migrations.ts";
import { nodeModelMigrations } from "./models/node-model-migrations.ts";
import { modelPullMigrations } from "./models/pulls/migrations.ts";
import { modelSettingMigrations } from "./models/settings/migrations.ts";
import { openAiApiMigrations } from "./openai-api/migrations.ts";
import { providerMigrations } from "./providers/migrations.ts";
import { quotaMigrations } from "./quotas/migrations.ts";
import { rateLimitMigrations } from "./rate-limits/migrations.ts";
import { searchMigrations } from "./search/migrations.ts";
import { usageMigrations } from "./usage/migrations.ts";

/** Every capability's migrations, in the order they apply. */
export const migrations: Migration[] = [
  ...accountsMigrations,
  ...preferenceMigrations,
  ...rateLimitMigrations,
  ...conversationMigrations,
  ...limitMigrations,
  ...openAiApiMigrations,
  ...providerMigrations,
  ...conversationToolMigrations,
  ...messageTimingMigrations,
  ...conversationPinMigrations,
  ...replyLeaseMigrations,
  ...scheduledJobMigrations,
  ...nodeModelMigrations,
  ...modelPullMigrations,
  ...modelSettingMigrations,
  ...usageMigrations,
  ...quotaMigrations,
  ...assistantMigrations,
  ...conversationSummaryMigrations,
  ...jobQueueMigrations,
  ...searchMigrations,
  ...memoryMigrations,
].sort((a, b) => a.id.localeCompare(b.id));

import type { AccountsProblem } from "../accounts/problems.ts";
import type { AssistantsProblem } from "../assistants/problems.ts";
import type { ConversationsProblem } from "../conversations/problems.ts";
import type { JobsProblem } from "../jobs/problems.ts";
import type { MemoryProblem } from "../memory/problems.ts";
import type { ModelsProblem } from "../models/pulls/problems.ts";
import type { OpenAiApiProblem } from "../openai-api/problems.ts";
import type { CommonProblem } from "../problems.ts";
import type { ProvidersProblem } from "../providers/problems.ts";
import type { QuotasProblem } from "../quotas/problems.ts";
import type { SearchProblem } from "../search/problems.ts";

/** Every problem any capability can report. */
export type Problem =
  | CommonProblem
  | AccountsProblem
  | ConversationsProblem
  | ProvidersProblem
  | OpenAiApiProblem
  | ModelsProblem
  | QuotasProblem
  | AssistantsProblem
  | JobsProblem
  | SearchProblem
  | MemoryProblem;
export type ProblemCode = Problem["code"];

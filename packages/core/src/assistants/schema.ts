import { z } from "@hono/zod-openapi";
import { SystemPrompt } from "../conversations/schema.ts";
import { plainText } from "../http/plain-text.ts";
import { Sampling } from "../models/settings/sampling.ts";
import { PageQuery } from "../pagination.ts";

/** How many assistants one person may make (shared ones included): each holds up to a 16,000-character prompt. */
export const MAX_ASSISTANTS_PER_USER = 200;

const Name = plainText(100).openapi({ example: "Travel guide" });
const Description = plainText(500).openapi({ example: "Plans short city trips, in bullet points." });
// Not checked against the installed models, as a conversation's is not: a model may be pulled later.
const Model = plainText(200).openapi({ example: "local/qwen2.5-7b-instruct-q4_k_m.gguf" });
const ToolNames = z.array(z.string().min(1).max(64)).max(64).openapi({
  description: "Names of tools its conversations' replies may call (GET /api/tools lists them).",
  example: [],
});

export const Assistant = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    model: z
      .string()
      .nullable()
      .openapi({ description: "The model its conversations use; null: the server's default." }),
    systemPrompt: z.string().nullable(),
    sampling: Sampling,
    tools: z.array(z.string()),
    isShared: z.boolean().openapi({ description: "Shared by an admin with everyone; otherwise its creator's alone." }),
    canEdit: z.boolean().openapi({
      description: "Whether you may change or delete it: your own personal one, or any shared one if you are an admin.",
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Assistant");
export type Assistant = z.infer<typeof Assistant>;

export const AssistantPage = z
  .object({ data: z.array(Assistant), nextCursor: z.string().nullable() })
  .openapi("AssistantPage");
export type AssistantPage = z.infer<typeof AssistantPage>;

export const AssistantListQuery = PageQuery;

export const CreateAssistantInput = z
  .object({
    name: Name,
    description: Description.nullable().optional(),
    model: Model.nullable().optional(),
    systemPrompt: SystemPrompt.nullable().optional(),
    sampling: Sampling.optional(),
    tools: ToolNames.optional(),
    isShared: z
      .boolean()
      .optional()
      .openapi({ description: "Share it with everyone (admins only); false by default." }),
  })
  .strict()
  .openapi("CreateAssistantInput");
export type CreateAssistantInput = z.infer<typeof CreateAssistantInput>;

export const UpdateAssistantInput = z
  .object({
    name: Name.optional(),
    description: Description.nullable().optional(),
    model: Model.nullable().optional(),
    systemPrompt: SystemPrompt.nullable().optional(),
    sampling: Sampling.optional().openapi({ description: "Replaces its sampling whole; {}: the model's defaults." }),
    tools: ToolNames.optional(),
    isShared: z.boolean().optional().openapi({ description: "Share it or stop sharing it (admins only)." }),
  })
  .strict()
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: "give at least one of name, description, model, systemPrompt, sampling, tools, isShared",
  })
  .openapi("UpdateAssistantInput");
export type UpdateAssistantInput = z.infer<typeof UpdateAssistantInput>;

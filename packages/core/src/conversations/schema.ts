import { z } from "@hono/zod-openapi";
import { plainText } from "../http/plain-text.ts";
import { PageQuery } from "../pagination.ts";

const Title = plainText(200).openapi({ example: "Trip to Lisbon" });

// Not checked against the installed models: a conversation may name a model that is pulled later.
const Model = plainText(200).openapi({ example: "qwen2.5-7b-instruct-q4_k_m.gguf" });

const DEFAULT_TITLE = "New conversation";

export const Conversation = z
  .object({
    id: z.uuid(),
    title: z.string(),
    model: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Conversation");
export type Conversation = z.infer<typeof Conversation>;

export const ConversationPage = z
  .object({ data: z.array(Conversation), nextCursor: z.string().nullable() })
  .openapi("ConversationPage");
export type ConversationPage = z.infer<typeof ConversationPage>;

export const CreateConversationInput = z
  .object({ title: Title.default(DEFAULT_TITLE), model: Model.optional() })
  .openapi("CreateConversationInput");
export type CreateConversationInput = z.infer<typeof CreateConversationInput>;

export const UpdateConversationInput = z
  .object({ title: Title.optional(), model: Model.nullable().optional() })
  .refine((input) => input.title !== undefined || input.model !== undefined, {
    message: "give at least one of title, model",
  })
  .openapi("UpdateConversationInput");
export type UpdateConversationInput = z.infer<typeof UpdateConversationInput>;

export const ConversationListQuery = PageQuery.extend({
  deleted: z
    .enum(["true", "false"])
    .default("false")
    .transform((deleted) => deleted === "true")
    .openapi({ description: "`true` lists only deleted conversations, so they can be restored." }),
});

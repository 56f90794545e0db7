import { z } from "@hono/zod-openapi";
import { plainText } from "../http/plain-text.ts";
import { PageQuery } from "../pagination.ts";

/** How many memories (saved and proposed) one person may keep. */
export const MAX_MEMORIES_PER_USER = 1000;
/** The longest memory: a short fact, not a document. */
export const MAX_MEMORY_CHARS = 500;

const Content = plainText(MAX_MEMORY_CHARS).openapi({
  description: "A short fact, one line.",
  example: "Prefers metric units.",
});

const MemoryStatus = z.enum(["saved", "proposed"]).openapi({
  description: "`saved`: replies read it; `proposed`: the model suggested it and it waits for you (PATCH to save it).",
});

export const Memory = z
  .object({
    id: z.uuid(),
    content: z.string(),
    status: MemoryStatus,
    source: z.enum(["user", "model"]).openapi({ description: "Who wrote it: you, or the model's `remember` tool." }),
    conversationId: z.uuid().nullable().openapi({ description: "The conversation the model proposed it in." }),
    messageId: z.uuid().nullable().openapi({ description: "The reply that proposed it." }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Memory");
export type Memory = z.infer<typeof Memory>;

export const MemoryPage = z.object({ data: z.array(Memory), nextCursor: z.string().nullable() }).openapi("MemoryPage");
export type MemoryPage = z.infer<typeof MemoryPage>;

export const MemoryListQuery = PageQuery.extend({
  status: MemoryStatus.optional().openapi({ description: "Only saved ones, or only proposals." }),
});
export type MemoryListQuery = z.infer<typeof MemoryListQuery>;

export const CreateMemoryInput = z.object({ content: Content }).openapi("CreateMemoryInput");
export type CreateMemoryInput = z.infer<typeof CreateMemoryInput>;

export const UpdateMemoryInput = z
  .object({
    content: Content.optional(),
    status: z.literal("saved").optional().openapi({ description: "Saves a proposal." }),
  })
  .refine((input) => input.content !== undefined || input.status !== undefined, {
    message: "give content, status or both",
  })
  .openapi("UpdateMemoryInput");
export type UpdateMemoryInput = z.infer<typeof UpdateMemoryInput>;

export const MemorySettings = z
  .object({
    enabled: z.boolean().openapi({
      description:
        "Replies read your saved memories (and, with `recallHistory`, your other conversations). Off by default.",
    }),
    autoSave: z.boolean().openapi({
      description: "What the model proposes to remember is saved at once; off: it waits for you as `proposed`.",
    }),
    recallHistory: z.boolean().openapi({
      description: "Replies also read the passages of your other conversations most relevant to the question.",
    }),
    saved: z.number().int().openapi({ description: "Memories saved." }),
    proposed: z.number().int().openapi({ description: "Proposals waiting for you." }),
  })
  .openapi("MemorySettings");
export type MemorySettings = z.infer<typeof MemorySettings>;

export const UpdateMemorySettingsInput = z
  .object({ enabled: z.boolean().optional(), autoSave: z.boolean().optional(), recallHistory: z.boolean().optional() })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: "give at least one of enabled, autoSave, recallHistory",
  })
  .openapi("UpdateMemorySettingsInput");
export type UpdateMemorySettingsInput = z.infer<typeof UpdateMemorySettingsInput>;

export const DeletedMemories = z
  .object({ deleted: z.number().int().openapi({ description: "How many memories were deleted." }) })
  .openapi("DeletedMemories");

export const MemoryExport = z
  .object({
    exportedAt: z.iso.datetime(),
    settings: MemorySettings,
    memories: z.array(Memory),
  })
  .openapi("MemoryExport");
export type MemoryExport = z.infer<typeof MemoryExport>;

/** Something a reply's prompt held from memory. */
export const MemoryUse = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("memory"),
      memoryId: z.uuid(),
      content: z.string(),
    }),
    z.object({
      type: z.literal("message"),
      messageId: z.uuid(),
      conversationId: z.uuid(),
      conversationTitle: z.string(),
      text: z.string().openapi({ description: "The passage, shortened for display." }),
    }),
  ])
  .openapi("MemoryUse", {
    description:
      "A saved memory, or a passage of another of your conversations, that the reply's prompt held (open it at " +
      "/c/{conversationId}?message={messageId}).",
  });
export type MemoryUse = z.infer<typeof MemoryUse>;

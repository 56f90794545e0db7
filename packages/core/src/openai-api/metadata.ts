import { z } from "@hono/zod-openapi";
import { CONVERSATION_KEY } from "./stored-exchange.ts";

/**
 * OpenAI's `metadata`: up to 16 string pairs (keys up to 64 characters, values up to 512). Hearth reads
 * one key, `hearth_conversation_id`, and ignores the rest.
 */
export const Metadata = z
  .record(z.string().max(64), z.string().max(512))
  .superRefine((metadata, context) => {
    if (Object.keys(metadata).length > 16) context.addIssue({ code: "custom", message: "may hold at most 16 keys" });
    const conversationId = metadata[CONVERSATION_KEY];
    if (conversationId !== undefined && !z.uuid().safeParse(conversationId).success) {
      context.addIssue({ code: "custom", path: [CONVERSATION_KEY], message: "must be a conversation's id (a UUID)" });
    }
  })
  .openapi({
    description:
      `Up to 16 string pairs. With \`${CONVERSATION_KEY}\` (one of your conversations' ids) the last user message ` +
      "and the reply are stored in that conversation, under its active message; otherwise nothing is stored.",
    example: { [CONVERSATION_KEY]: "0190f5a2-7c1e-7d3a-9a43-1b2c3d4e5f60" },
  });

import { z } from "@hono/zod-openapi";
import { plainText } from "../http/plain-text.ts";

/** The longest query: a question, not a document. */
const MAX_QUERY_CHARS = 500;

// A day (2026-12-05) or an instant with its offset; years 1–9999 (what PostgreSQL stores and JavaScript agrees on).
const When = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .refine((text) => /^(?!0000)\d{4}-/.test(text), "must be a date or time in the years 1 to 9999");

export const SearchQuery = z
  .object({
    q: plainText(MAX_QUERY_CHARS).openapi({
      description: 'What to look for: words, "a phrase", -excluded, or a question (semantic).',
    }),
    mode: z.enum(["hybrid", "keyword", "semantic"]).default("hybrid").openapi({
      description:
        "hybrid (default): full-text and semantic rankings fused; keyword: full-text only; semantic: by meaning only.",
    }),
    conversationId: z.uuid().optional().openapi({ description: "Only this conversation." }),
    role: z.enum(["user", "assistant"]).optional().openapi({ description: "Only your messages, or only replies." }),
    model: z.string().min(1).max(200).optional().openapi({ description: "Only replies of this model." }),
    from: When.optional().openapi({ description: "From this day or time on." }),
    to: When.optional().openapi({ description: "Before this day or time." }),
    limit: z.coerce.number().int().min(1).max(50).default(20).openapi({ description: "Results (1–50)." }),
  })
  .refine((query) => query.from === undefined || query.to === undefined || new Date(query.from) < new Date(query.to), {
    message: "must be after `from`",
    path: ["to"],
  });
export type SearchQuery = z.infer<typeof SearchQuery>;

const Highlight = z.object({ start: z.number().int(), end: z.number().int() }).openapi("SearchHighlight");

const SearchHit = z
  .object({
    messageId: z.uuid(),
    conversationId: z.uuid(),
    conversationTitle: z.string(),
    role: z.enum(["user", "assistant"]),
    model: z.string().nullable(),
    createdAt: z.iso.datetime(),
    snippet: z.string().openapi({ description: "A passage of the message around what matched (plain text)." }),
    highlights: z.array(Highlight).openapi({
      description:
        "Where the snippet matches: UTF-16 offsets into `snippet`, in order, as JavaScript's String#slice takes them.",
    }),
    score: z.number().openapi({ description: "Higher is better; comparable only within one answer." }),
    matchedBy: z.array(z.enum(["keyword", "semantic"])),
  })
  .openapi("SearchHit");

export const SearchResults = z
  .object({
    data: z.array(SearchHit),
    rankedBy: z.array(z.enum(["keyword", "semantic"])).openapi({
      description:
        "The rankings that answered: a hybrid search answers by keyword alone while no embedding model is set or it cannot be reached.",
    }),
    indexing: z
      .object({ messagesToIndex: z.number().int(), chunksToEmbed: z.number().int() })
      .openapi({ description: "Your messages not yet searchable, and passages not yet searchable by meaning." }),
  })
  .openapi("SearchResults");

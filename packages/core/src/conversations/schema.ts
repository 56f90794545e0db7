import { z } from "@hono/zod-openapi";
import { openApiPattern, plainText } from "../http/plain-text.ts";
import { MemoryUse } from "../memory/schema.ts";
import { Sampling } from "../models/settings/sampling.ts";
import { PageQuery } from "../pagination.ts";
import { decodeListCursor } from "./list-cursor.ts";

const Title = plainText(200).openapi({ example: "Trip to Lisbon" });

// Not checked against the installed models: a conversation may name a model that is pulled later.
const Model = plainText(200).openapi({ example: "qwen2.5-7b-instruct-q4_k_m.gguf" });

/** Instructions up to this many characters: they are part of every reply's prompt. */
const MAX_SYSTEM_PROMPT_CHARS = 16_000;

const TEXT_WITH_LINES = /^(?:[\t\n\r]|\P{Cc})*$/u;
export const SystemPrompt = z
  .string()
  .max(MAX_SYSTEM_PROMPT_CHARS)
  .regex(TEXT_WITH_LINES, "must not hold control characters other than tabs and line breaks")
  .transform((text) => (text.trim() === "" ? null : text))
  .openapi({
    description:
      "Instructions the model reads before the conversation (a system prompt). Empty or null: none. Counted in the " +
      "context of every reply.",
    example: "You are a concise travel guide. Answer in bullet points.",
    pattern: openApiPattern(TEXT_WITH_LINES),
  });

const ContextStrategy = z.enum(["drop-oldest", "summarize"]).openapi("ContextStrategy", {
  description:
    "What happens to the oldest messages once the conversation no longer fits the model's context (the system " +
    "prompt and the newest turns always stay): `drop-oldest` leaves them out; `summarize` puts in their place a " +
    "summary the model writes, stores and rewrites as the conversation grows.",
});

/** The title of a conversation nobody has named yet; the model replaces it after the first exchange. */
export const DEFAULT_TITLE = "New conversation";

const ToolNames = z
  .array(z.string().min(1).max(64))
  .max(64)
  .openapi({
    description: "Names of tools replies may call (GET /api/tools lists them); none by default.",
    example: ["calculator"],
  });

const ToolChoice = z.enum(["auto", "required"]).openapi({
  description:
    "`auto`: the model decides whether to call a tool; `required`: the first step of each reply must call one (later " +
    "steps decide). Without tools it changes nothing.",
});

export const Conversation = z
  .object({
    id: z.uuid(),
    title: z.string(),
    model: z.string().nullable(),
    activeMessageId: z.uuid().nullable().openapi({ description: "The last message of the branch in view." }),
    tools: z.array(z.string()).openapi({ description: "The tools replies may call (GET /api/tools lists them)." }),
    toolChoice: ToolChoice,
    systemPrompt: z
      .string()
      .nullable()
      .openapi({ description: "Instructions the model reads before the conversation; null: none." }),
    pinnedAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: "When it was pinned (pinned ones head the list); null: not pinned." }),
    assistantId: z.uuid().nullable().openapi({
      description: "The assistant it started from (its settings were copied then); null: none, or since deleted.",
    }),
    contextStrategy: ContextStrategy,
    temporary: z.boolean().openapi({
      description: "A temporary chat: its replies neither read nor add to your memory, and it is never recalled.",
    }),
    sampling: Sampling.openapi({
      description: "Sampling for its replies, over the model's defaults option by option; null or absent: the model's.",
    }),
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
  .object({
    title: Title.optional(),
    model: Model.optional(),
    tools: ToolNames.optional(),
    toolChoice: ToolChoice.optional(),
    systemPrompt: SystemPrompt.nullable().optional(),
    sampling: Sampling.optional(),
    contextStrategy: ContextStrategy.optional().openapi({ description: "`drop-oldest` by default." }),
    temporary: z.boolean().optional().openapi({
      description: "A temporary chat, which neither reads nor adds to your memory (false by default; fixed once made).",
    }),
    assistantId: z
      .uuid({ error: "must be a UUID" })
      .optional()
      .openapi({
        description:
          "Start from this assistant (GET /api/assistants): its model, system prompt, sampling and tools are copied, " +
          "except those this request gives. Later changes of the assistant do not change the conversation.",
      }),
  })
  .openapi("CreateConversationInput");
export type CreateConversationInput = z.infer<typeof CreateConversationInput>;

export const UpdateConversationInput = z
  .object({
    title: Title.optional(),
    model: Model.nullable().optional(),
    tools: ToolNames.optional(),
    toolChoice: ToolChoice.optional(),
    systemPrompt: SystemPrompt.nullable().optional(),
    sampling: Sampling.optional().openapi({
      description: "Replaces the conversation's sampling whole; {}: the model's defaults.",
    }),
    contextStrategy: ContextStrategy.optional(),
    pinned: z.boolean().optional().openapi({
      description: "Pins (true) or unpins (false) it; unlike the other changes, it keeps its place in time.",
    }),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: "give at least one of title, model, tools, toolChoice, systemPrompt, sampling, contextStrategy, pinned",
  })
  .openapi("UpdateConversationInput");
export type UpdateConversationInput = z.infer<typeof UpdateConversationInput>;

/** Longest title filter: as long as a title can be. */
const MAX_FILTER_CHARS = 200;
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;

export const ConversationListQuery = PageQuery.extend({
  cursor: z
    .string()
    .max(512)
    .refine((cursor) => decodeListCursor(cursor) !== undefined, "is not a cursor this list returned")
    .optional()
    .openapi({ description: "The `nextCursor` of the previous page (with the same `q` and `deleted`)." }),
  q: z
    .string()
    .max(MAX_FILTER_CHARS)
    .regex(NO_CONTROL_CHARACTERS, "must not hold control characters")
    .transform((text) => text.trim() || undefined)
    .optional()
    .openapi({
      description: `Only conversations whose title contains this text, ignoring case (up to ${MAX_FILTER_CHARS} characters; % and _ match themselves). Empty: all.`,
      example: "lisbon",
      pattern: openApiPattern(NO_CONTROL_CHARACTERS),
    }),
  deleted: z
    .enum(["true", "false"])
    .default("false")
    .transform((deleted) => deleted === "true")
    .openapi({ description: "`true` lists only deleted conversations, so they can be restored." }),
});

/** A message's text: any characters a person can type (line breaks included), but no NUL. */
export const Content = z
  .string()
  .min(1)
  .max(200_000)
  .refine((content) => !content.includes("\u0000"), "must not hold NUL (\\u0000) characters")
  .refine((content) => content.trim().length > 0, "must not be blank")
  .openapi({ example: "What should I see in Lisbon in two days?" });

export const MessageStatus = z
  .enum(["pending", "streaming", "done", "cancelled", "interrupted", "error"])
  .openapi("MessageStatus", {
    description:
      "`pending` until generation starts, `streaming` while it runs; then `done`, `cancelled` (stopped by the user, " +
      "partial text kept), `interrupted` (the server stopped during the reply) or `error` (see `error`).",
  });
export type MessageStatus = z.infer<typeof MessageStatus>;

export const MessagePart = z
  .discriminatedUnion("type", [
    z.object({
      type: z.literal("tool-call"),
      offset: z.number().int(),
      toolCallId: z.string(),
      toolName: z.string(),
      input: z.string().openapi({ description: "The arguments as the model wrote them (JSON text)." }),
    }),
    z.object({
      type: z.literal("tool-result"),
      offset: z.number().int(),
      toolCallId: z.string(),
      toolName: z.string(),
      output: z.string(),
      isError: z.boolean().openapi({ description: "The call failed; `output` says why (the model was told)." }),
    }),
  ])
  .openapi("MessagePart", {
    description:
      "A tool call or result of a reply. `offset` is where it happened in `content`: the length of the text before " +
      "it, in UTF-16 code units (JavaScript string indices).",
  });
export type MessagePart = z.infer<typeof MessagePart>;

const TokenUsage = z.object({ promptTokens: z.number().int(), completionTokens: z.number().int() });

export const MessageNode = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    parentId: z.uuid().nullable(),
    role: z.enum(["user", "assistant"]),
    content: z.string(),
    status: MessageStatus,
    model: z.string().nullable(),
    error: z.string().nullable().openapi({ description: "Why a reply ended in `error` or `interrupted`." }),
    usage: TokenUsage.nullable(),
    parts: z.array(MessagePart).nullable().openapi({
      description:
        "The reply's tool calls and results in order, each at its `offset` into `content`; null for text alone.",
    }),
    contextMessages: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "How many messages of the path the reply's prompt held; older ones did not fit." }),
    contextSummaryId: z
      .uuid()
      .nullable()
      .openapi({
        description:
          "The summary its prompt held in place of the older messages (GET /api/conversations/{id}/summaries/{summaryId}); " +
          "null: none.",
      }),
    memoryUsed: z
      .array(MemoryUse)
      .nullable()
      .openapi({
        description:
          "What the reply's prompt held from your memory: saved memories and passages of your other conversations. " +
          "Null: memory was off, the conversation is temporary, or nothing was found.",
      }),
    firstTokenAt: z.iso
      .datetime()
      .nullable()
      .openapi({
        description:
          "When the reply's first output (text or a tool call) arrived; with `createdAt`, its time to first token. " +
          "Null for a question, or a reply that wrote nothing yet.",
      }),
    finishedAt: z.iso
      .datetime()
      .nullable()
      .openapi({
        description:
          "When the reply ended (whatever its status); null for a question, a reply still being written, or one not " +
          "timed (stored before replies were, or recorded from the OpenAI-compatible API).",
      }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("MessageNode");
export type MessageNode = z.infer<typeof MessageNode>;

export const Message = MessageNode.extend({
  siblingIds: z
    .array(z.uuid())
    .openapi({ description: "This message and its alternatives (edits or regenerations), oldest first." }),
}).openapi("Message");
export type Message = z.infer<typeof Message>;

export const MessagePath = z
  .object({
    data: z.array(Message).openapi({ description: "The active path, oldest first." }),
    nextCursor: z.string().nullable().openapi({ description: "Set when older messages exist: pass it for them." }),
    lastEventId: z
      .number()
      .int()
      .openapi({
        description:
          "The conversation's newest event id when this page was read (in the same snapshot as the messages): follow " +
          "the events from it (Last-Event-ID) to go on from this page without missing or repeating any text.",
      }),
  })
  .openapi("MessagePath");
export type MessagePath = z.infer<typeof MessagePath>;

export const MessageTree = z
  .object({ data: z.array(MessageNode), nextCursor: z.string().nullable() })
  .openapi("MessageTree");
export type MessageTree = z.infer<typeof MessageTree>;

export const MessagePathQuery = PageQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ description: "Messages per page (1–500)." }),
});

export const MessageTreeQuery = PageQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(500).openapi({ description: "Nodes per page (1–1000)." }),
});

export const SendMessageInput = z
  .object({
    content: Content,
    parentId: z.uuid({ error: "must be a UUID" }).nullable().optional().openapi({
      description: "The reply this message answers; by default the active branch's last one, null for a new root.",
    }),
    model: Model.optional().openapi({ description: "By default the conversation's model." }),
  })
  .openapi("SendMessageInput");
export type SendMessageInput = z.infer<typeof SendMessageInput>;

export const EditMessageInput = z.object({ content: Content }).openapi("EditMessageInput");

export const RegenerateInput = z
  .object({ model: Model.optional().openapi({ description: "By default the model of the reply being redone." }) })
  .openapi("RegenerateInput");

export const Exchange = z.object({ userMessage: Message, assistantMessage: Message }).openapi("Exchange");
export type Exchange = z.infer<typeof Exchange>;

export const Reply = z.object({ assistantMessage: Message }).openapi("Reply");

export const ConversationSummary = z
  .object({
    id: z.uuid(),
    throughMessageId: z.uuid().openapi({
      description: "The newest message it stands for; it covers the branch's messages up to this one.",
    }),
    coveredMessages: z.number().int().openapi({ description: "How many messages it stands for." }),
    content: z.string().openapi({ description: "What the model wrote: untrusted text." }),
    model: z.string().openapi({ description: "The model that wrote it." }),
    createdAt: z.iso.datetime(),
  })
  .openapi("ConversationSummary", {
    description: "What a reply's prompt held in place of the older messages (the `summarize` context strategy).",
  });
export type ConversationSummary = z.infer<typeof ConversationSummary>;

export const ConversationSummaryPage = z
  .object({ data: z.array(ConversationSummary), nextCursor: z.string().nullable() })
  .openapi("ConversationSummaryPage");

export const SummaryParams = z.object({
  id: z.uuid({ error: "must be a UUID" }).openapi({ param: { name: "id", in: "path" } }),
  summaryId: z.uuid({ error: "must be a UUID" }).openapi({ param: { name: "summaryId", in: "path" } }),
});

/**
 * @module Every event `GET /api/conversations/{id}/events` can send, as one zod union on `type`. The
 * writers validate against it (see `newEvent`) and `/openapi.json` publishes it as `ConversationEvent`,
 * which the SDK's types are generated from: a field added here reaches clients, and a writer that
 * sends anything else fails where it writes.
 */

import { z } from "@hono/zod-openapi";
import { MemoryUse } from "../memory/schema.ts";
import { Conversation, MessageNode, MessagePart } from "./schema.ts";

const MessageId = z.uuid().openapi({ description: "The message the event is about." });
const Usage = MessageNode.shape.usage.openapi({ description: "Tokens the reply read and wrote; null when unknown." });
const [ToolCallPart, ToolResultPart] = MessagePart.options;

/** One event: `type` is the SSE `event` field, `data` the JSON of its `data` field. */
const event = <Type extends string, Data extends z.ZodType>(
  name: string,
  type: Type,
  data: Data,
  description: string,
) => z.object({ type: z.literal(type), data }).openapi(name, { description });

const MessageCreated = event(
  "MessageCreatedEvent",
  "message.created",
  MessageNode,
  "A message was stored: a question, or a reply as it starts (`pending`).",
);

const MessageDelta = event(
  "MessageDeltaEvent",
  "message.delta",
  z.object({ messageId: MessageId, delta: z.string().openapi({ description: "Text to append to the reply." }) }),
  "More text of a reply; the reply's text is its deltas joined in order.",
);

const MessageToolCall = event(
  "MessageToolCallEvent",
  "message.tool-call",
  ToolCallPart.omit({ type: true }).extend({ messageId: MessageId }),
  "The reply calls a tool, at `offset` into its text.",
);

const MessageToolResult = event(
  "MessageToolResultEvent",
  "message.tool-result",
  ToolResultPart.omit({ type: true }).extend({ messageId: MessageId }),
  "A tool's result, handed back to the model, at `offset` into the reply's text.",
);

const MessageDone = event(
  "MessageDoneEvent",
  "message.done",
  z.object({
    messageId: MessageId,
    status: z.enum(["done", "cancelled", "interrupted"]).openapi({
      description: "`done`, `cancelled` (stopped by the user) or `interrupted` (the server stopped during the reply).",
    }),
    usage: Usage,
    contextMessages: z.number().int().nullable().optional().openapi({
      description: "How many messages of the path the reply's prompt held (see Message.contextMessages).",
    }),
    contextSummaryId: z.uuid().nullable().optional().openapi({
      description: "The summary its prompt held in place of the older messages (see Message.contextSummaryId).",
    }),
    memoryUsed: z.array(MemoryUse).nullable().optional().openapi({
      description: "What its prompt held from your memory (see Message.memoryUsed).",
    }),
  }),
  "A reply ended without error; its text is final.",
);

const MessageError = event(
  "MessageErrorEvent",
  "message.error",
  z.object({
    messageId: MessageId,
    status: z.literal("error"),
    error: z.string().openapi({ description: "Why the reply failed; the text written before is kept." }),
    usage: Usage,
  }),
  "A reply ended in error.",
);

const ConversationUpdated = event(
  "ConversationUpdatedEvent",
  "conversation.updated",
  Conversation,
  "The conversation changed (title, model, tools, active branch); `data` is the conversation as it is now.",
);

const ConversationRefetch = event(
  "ConversationRefetchEvent",
  "conversation.refetch",
  z.object({
    reason: z.string(),
    lastEventId: z.number().int().openapi({ description: "The conversation's newest event id; resume from it." }),
  }),
  "The events after the client's Last-Event-ID are no longer kept: reload the conversation, then go on from here.",
);

const StreamOpened = event(
  "StreamOpenedEvent",
  "stream.opened",
  z.object({
    lastEventId: z.number().int().openapi({ description: "The id the stream starts after; resume from it." }),
  }),
  "Sent first, with the same id, when the client gave no Last-Event-ID: where its stream starts. A client whose " +
    "connection drops before any other event resumes from this id, so it misses nothing that happened meanwhile.",
);

const StreamClosed = event(
  "StreamClosedEvent",
  "stream.closed",
  z.object({ reason: z.string() }),
  "The session or API key that opened the stream ended (signed out, revoked, user disabled); the stream ends. " +
    "Sent without an id.",
);

export const ConversationEvent = z
  .discriminatedUnion("type", [
    MessageCreated,
    MessageDelta,
    MessageToolCall,
    MessageToolResult,
    MessageDone,
    MessageError,
    ConversationUpdated,
    ConversationRefetch,
    StreamOpened,
    StreamClosed,
  ])
  .openapi("ConversationEvent", {
    description:
      "An event of a conversation's stream. `type` is the SSE `event` field and `data` the JSON of its `data` field; " +
      "the SSE `id` is the event's id in the conversation (decimal, increasing).",
  });
export type ConversationEvent = z.infer<typeof ConversationEvent>;
export type ConversationEventType = ConversationEvent["type"];
export type EventData<Type extends ConversationEventType> = Extract<ConversationEvent, { type: Type }>["data"];

const DATA_SCHEMAS = new Map<string, z.ZodType>(
  ConversationEvent.options.map((option) => [option.shape.type.value, option.shape.data]),
);

/**
 * An event's data as the JSON sent to clients, checked against its schema. Writers build it from
 * typed values, so a mismatch is a bug: it throws rather than send clients what the contract denies.
 */
export function serializeEventData<Type extends ConversationEventType>(type: Type, data: EventData<Type>): string {
  const schema = DATA_SCHEMAS.get(type);
  if (schema === undefined) throw new Error(`Unknown conversation event type "${type}".`);
  const checked = schema.safeParse(data);
  if (!checked.success) {
    throw new Error(`A ${type} event's data does not match its schema: ${z.prettifyError(checked.error)}`);
  }
  return JSON.stringify(checked.data);
}

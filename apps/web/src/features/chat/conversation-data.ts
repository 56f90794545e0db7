import type { components, ReceivedEvent } from "@hearth/sdk";

export type Message = components["schemas"]["Message"];
type MessagePath = components["schemas"]["MessagePath"];
type MessagePart = components["schemas"]["MessagePart"];

/**
 * A conversation's active path as the screen holds it, in the query cache: ids in order (what the
 * list renders) apart from the messages by id (what each row renders), so text streaming into one
 * message changes that message and nothing the list depends on.
 */
export interface ConversationData {
  /** The loaded part of the active path, oldest first: the newest pages. */
  ids: readonly string[];
  byId: ReadonlyMap<string, Message>;
  /** Where older messages continue (the API's cursor); null once the first message is loaded. */
  nextCursor: string | null;
  /** The id of the last event these messages include: a snapshot's, then each event's applied. */
  lastEventId: number;
  /**
   * The load these messages come from. Events are followed per load, from its snapshot's
   * `lastEventId`; a reload makes a new one, and events still arriving for an old one are dropped.
   */
  load: { from: number };
}

const UNFINISHED: readonly Message["status"][] = ["pending", "streaming"];

export function isUnfinished(message: Message | undefined): boolean {
  return message !== undefined && UNFINISHED.includes(message.status);
}

/** The messages of a first page, as loaded. */
export function fromPath(path: MessagePath): ConversationData {
  return {
    ids: path.data.map((message) => message.id),
    byId: new Map(path.data.map((message) => [message.id, message])),
    nextCursor: path.nextCursor,
    lastEventId: path.lastEventId,
    load: { from: path.lastEventId },
  };
}

/** `data` with an older page in front of it. */
export function withOlder(data: ConversationData, page: MessagePath): ConversationData {
  const older = page.data.filter((message) => !data.byId.has(message.id));
  const byId = new Map(data.byId);
  for (const message of older) byId.set(message.id, message);
  return { ...data, ids: [...older.map((message) => message.id), ...data.ids], byId, nextCursor: page.nextCursor };
}

/** What an event did: the messages it left, or that they must be loaded again (`reload`). */
export type Applied = ConversationData | "reload";

/**
 * Applies one event of the conversation's stream. An event at or before `lastEventId` is already in
 * the messages (a snapshot holds what its events wrote) and changes nothing, so text is never added
 * twice. Events that the loaded path cannot place (a branch switch elsewhere, a message under one
 * not loaded) ask for a reload.
 */
export function applyEvent(data: ConversationData, event: ReceivedEvent): Applied {
  if (event.id !== undefined && event.id <= data.lastEventId) return data;
  const applied = change(data, event);
  if (applied === "reload") return applied;
  return event.id === undefined ? applied : { ...applied, lastEventId: event.id };
}

function change(data: ConversationData, event: ReceivedEvent): Applied {
  switch (event.type) {
    case "message.created":
      return placed(data, event.data);
    case "message.delta":
      return patched(data, event.data.messageId, (message) => ({
        ...message,
        content: message.content + event.data.delta,
        status: "streaming",
      }));
    case "message.tool-call":
    case "message.tool-result": {
      const { messageId, ...facts } = event.data;
      const part = { ...facts, type: event.type === "message.tool-call" ? "tool-call" : "tool-result" } as MessagePart;
      return patched(data, messageId, (message) => ({
        ...message,
        parts: [...(message.parts ?? []), part],
        status: "streaming",
      }));
    }
    case "message.done":
      return patched(data, event.data.messageId, (message) => ({
        ...message,
        status: event.data.status,
        usage: event.data.usage ?? message.usage,
      }));
    case "message.error":
      return patched(data, event.data.messageId, (message) => ({
        ...message,
        status: "error",
        error: event.data.error,
        usage: event.data.usage ?? message.usage,
      }));
    case "conversation.updated":
      // Another tab (or the CLI) switched branches: the path shown is no longer the active one.
      return event.data.activeMessageId === (data.ids.at(-1) ?? null) ? data : "reload";
    case "conversation.refetch":
      return "reload";
    default:
      return data;
  }
}

/** A message of the path changed; one elsewhere in the tree is not shown, so nothing changes. */
function patched(data: ConversationData, messageId: string, update: (message: Message) => Message): ConversationData {
  const message = data.byId.get(messageId);
  if (message === undefined) return data;
  return { ...data, byId: new Map(data.byId).set(messageId, update(message)) };
}

/**
 * A new message becomes the end of the active path (every send, edit and regeneration makes it the
 * active leaf): after its parent, or in place of a sibling (an edit or a regeneration), which drops
 * the old branch from view.
 */
function placed(data: ConversationData, node: Omit<Message, "siblingIds">): Applied {
  if (data.byId.has(node.id)) return data;
  const { ids } = data;
  const last = ids.at(-1);
  const isFirst = node.parentId === null && ids.length === 0 && data.nextCursor === null;
  if (isFirst || (last !== undefined && node.parentId === last)) {
    const byId = new Map(data.byId).set(node.id, { ...node, siblingIds: [node.id] });
    return { ...data, ids: [...ids, node.id], byId };
  }
  const index = ids.findIndex((id) => data.byId.get(id)?.parentId === node.parentId);
  if (index === -1) return "reload";
  const sibling = data.byId.get(ids[index] as string) as Message;
  const kept = ids.slice(0, index);
  const byId = new Map<string, Message>();
  for (const id of kept) byId.set(id, data.byId.get(id) as Message);
  // The snapshot's siblings may already name it (they are read just after its messages).
  const siblingIds = sibling.siblingIds.includes(node.id) ? sibling.siblingIds : [...sibling.siblingIds, node.id];
  byId.set(node.id, { ...node, siblingIds });
  return { ...data, ids: [...kept, node.id], byId };
}

/** The last message of `role` on the path. */
export function lastOf(data: ConversationData | undefined, role: Message["role"]): Message | undefined {
  if (data === undefined) return undefined;
  for (let index = data.ids.length - 1; index >= 0; index--) {
    const message = data.byId.get(data.ids[index] as string);
    if (message?.role === role) return message;
  }
  return undefined;
}

/** The reply being written, if the path ends in one. */
export function streamingReply(data: ConversationData | undefined): Message | undefined {
  const last = data?.byId.get(data.ids.at(-1) ?? "");
  return isUnfinished(last) ? last : undefined;
}

/** The last fenced code block of a reply's text (what "copy the last code block" copies). */
export function lastCodeBlock(text: string): string | undefined {
  const blocks = [...text.matchAll(/^ {0,3}(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n? {0,3}\1[`~]*[ \t]*$/gm)];
  return blocks.at(-1)?.[2];
}

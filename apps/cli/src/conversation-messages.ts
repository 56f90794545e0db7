/**
 * @module
 * A conversation's messages, every page of them: its active branch (oldest first) or every branch
 * (in the order they were written).
 */
import { type components, type HearthClient, paginate } from "@hearth/sdk";

export type Conversation = components["schemas"]["Conversation"];
export type MessageNode = components["schemas"]["MessageNode"];

/** The active branch, oldest first. */
export async function fetchActiveBranch(hearth: HearthClient, conversationId: string): Promise<MessageNode[]> {
  const pages = paginate((cursor) =>
    hearth.api.GET("/api/conversations/{id}/messages", {
      params: { path: { id: conversationId }, query: { limit: 500, ...(cursor ? { cursor } : {}) } },
    }),
  );
  const messages: MessageNode[] = [];
  for await (const message of pages) messages.push(message);
  return orderAlongPath(messages);
}

/** Every message of every branch, in the order they were written. */
export async function fetchTree(hearth: HearthClient, conversationId: string): Promise<MessageNode[]> {
  const pages = paginate((cursor) =>
    hearth.api.GET("/api/conversations/{id}/tree", {
      params: { path: { id: conversationId }, query: { limit: 1000, ...(cursor ? { cursor } : {}) } },
    }),
  );
  const messages: MessageNode[] = [];
  for await (const message of pages) messages.push(message);
  return messages;
}

/**
 * The path's messages from its root down. The pages come newest page first (each oldest first), so
 * the order is rebuilt from the links: the leaf is the one message no other answers.
 */
function orderAlongPath<Message extends MessageNode>(messages: readonly Message[]): Message[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const parents = new Set(messages.map((message) => message.parentId));
  const leaf = messages.find((message) => !parents.has(message.id));
  const path: Message[] = [];
  for (let at = leaf; at !== undefined && path.length < messages.length; at = byId.get(at.parentId ?? "")) {
    path.push(at);
  }
  return path.length === messages.length ? path.reverse() : [...messages];
}

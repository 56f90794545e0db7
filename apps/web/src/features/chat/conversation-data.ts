import type { components, ReceivedEvent } from "@hearth/sdk";

export type Message = components["schemas"]["Message"];
type MessagePath = components["schemas"]["MessagePath"];
type MessagePart = components["schemas"]["MessagePart"];

/**
 * Pages of the active path held at once. Scrolling further loads the next page and lets go of the
 * farthest, so the tab holds at most this many pages however long the conversation is.
 */
export const MAX_PAGES = 4;

/** A page of the path the window holds: how it was asked for, and where it starts. */
interface Page {
  /** The API's cursor that loads it again; null for the newest page (read from the active leaf). */
  cursor: string | null;
  /** Its oldest message. */
  firstId: string;
}

/**
 * A conversation's active path as the screen holds it, in the query cache: ids in order (what the
 * list renders) apart from the messages by id (what each row renders), so text streaming into one
 * message changes that message and nothing the list depends on.
 *
 * It holds a window of at most MAX_PAGES pages: opened, the newest ones; scrolled up far enough, the
 * newest are let go (`newer` says how to load them again) and are loaded back on the way down.
 */
export interface ConversationData {
  /** The loaded part of the active path, oldest first. */
  ids: readonly string[];
  byId: ReadonlyMap<string, Message>;
  /** The pages `ids` is made of, oldest first. */
  pages: readonly Page[];
  /** Where older messages continue (the API's cursor); null once the first message is loaded. */
  nextCursor: string | null;
  /**
   * The cursors of pages after the window that were let go, the nearest last; empty while the window
   * ends at the newest message. Events for messages after the window are not kept (those pages are
   * loaded again, as they are then).
   */
  newer: readonly (string | null)[];
  /** The newest message of the path as the events tell it, kept when the window does not reach it. */
  leaf: Message | undefined;
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

/** The messages of the newest page, as loaded. */
export function fromPath(path: MessagePath): ConversationData {
  const first = path.data[0];
  return {
    ids: path.data.map((message) => message.id),
    byId: new Map(path.data.map((message) => [message.id, message])),
    pages: first === undefined ? [] : [{ cursor: null, firstId: first.id }],
    nextCursor: path.nextCursor,
    newer: [],
    leaf: path.data.at(-1),
    lastEventId: path.lastEventId,
    load: { from: path.lastEventId },
  };
}

/** Whether the window ends before the newest message (scrolled up far, the newest pages let go). */
/**
 * Where the newest reply's context starts: the first loaded message its prompt held, when older ones of
 * the path did not fit (see the API's `contextMessages`); undefined when all fit, or the cut falls
 * among older messages that are not loaded.
 */
export function contextStartOf(data: ConversationData | undefined): string | undefined {
  if (data === undefined) return undefined;
  const { ids, byId } = data;
  for (let index = ids.length - 1; index >= 0; index--) {
    const message = byId.get(ids[index] as string);
    if (message?.role !== "assistant" || message.contextMessages == null) continue;
    const start = index - message.contextMessages;
    // At 0 the cut is above the first loaded message only when older ones exist.
    return start > 0 || (start === 0 && data.nextCursor !== null) ? ids[start] : undefined;
  }
  return undefined;
}

/** The summary the newest reply read in place of the messages above its context's start, if it read one. */
export function contextSummaryOf(data: ConversationData | undefined): string | undefined {
  if (data === undefined) return undefined;
  for (let index = data.ids.length - 1; index >= 0; index--) {
    const message = data.byId.get(data.ids[index] as string);
    if (message?.role === "assistant" && message.contextMessages != null) return message.contextSummaryId ?? undefined;
  }
  return undefined;
}

export function isDetached(data: ConversationData | undefined): boolean {
  return data !== undefined && data.newer.length > 0;
}

/**
 * `data` with the older page (loaded with `cursor`) in front of it; past MAX_PAGES, the newest page
 * is let go.
 */
export function withOlder(data: ConversationData, page: MessagePath, cursor: string): ConversationData {
  const older = page.data.filter((message) => !data.byId.has(message.id));
  const first = older[0];
  if (first === undefined) return { ...data, nextCursor: page.nextCursor };
  const byId = new Map(data.byId);
  for (const message of older) byId.set(message.id, message);
  const grown: ConversationData = {
    ...data,
    ids: [...older.map((message) => message.id), ...data.ids],
    byId,
    pages: [{ cursor, firstId: first.id }, ...data.pages],
    nextCursor: page.nextCursor,
  };
  return grown.pages.length > MAX_PAGES ? withoutNewest(grown) : grown;
}

/**
 * `data` with the next newer page after it: the one loaded with `newer`'s last cursor. Past
 * MAX_PAGES the oldest page is let go. The newest page comes from a later snapshot than the window:
 * the window is followed from there on (a new load); if the path changed meanwhile so that the page
 * no longer continues the window (another device switched branches), the page alone is kept.
 */
export function withNewer(data: ConversationData, page: MessagePath): Applied {
  const cursor = data.newer.at(-1);
  if (cursor === undefined) return data;
  const newer = data.newer.slice(0, -1);
  const fresh = page.data.filter((message) => !data.byId.has(message.id));
  const first = fresh[0];
  const continues = first !== undefined && first.parentId === data.ids.at(-1);
  if (cursor === null) {
    if (first !== undefined && !continues) return fromPath(page);
  } else if (!continues) {
    return "reload";
  }
  const byId = new Map(data.byId);
  for (const message of fresh) byId.set(message.id, message);
  const pages = first === undefined ? data.pages : [...data.pages, { cursor, firstId: first.id }];
  const grown: ConversationData = {
    ...data,
    ids: [...data.ids, ...fresh.map((message) => message.id)],
    byId,
    pages,
    newer,
    ...(cursor === null
      ? { leaf: page.data.at(-1) ?? data.leaf, lastEventId: page.lastEventId, load: { from: page.lastEventId } }
      : {}),
  };
  return grown.pages.length > MAX_PAGES ? withoutOldest(grown) : grown;
}

/**
 * Only the newest page, as when the conversation opened: the list is back at its end, and older pages
 * are loaded again if the person scrolls up once more.
 */
export function withNewestPageOnly(data: ConversationData): ConversationData {
  let current = data;
  while (current.pages.length > 1 && !isDetached(current)) {
    const next = withoutOldest(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/** Lets go of the newest page: it is loaded again, with its cursor, when scrolled back to. */
function withoutNewest(data: ConversationData): ConversationData {
  const last = data.pages.at(-1);
  if (last === undefined || data.pages.length < 2) return data;
  const cut = data.ids.indexOf(last.firstId);
  return {
    ...data,
    ...kept(data, data.ids.slice(0, cut)),
    pages: data.pages.slice(0, -1),
    newer: [...data.newer, last.cursor],
  };
}

/** Lets go of the oldest page: its cursor is where older messages continue. */
function withoutOldest(data: ConversationData): ConversationData {
  const [first, second] = data.pages;
  if (first === undefined || second === undefined || first.cursor === null) return data;
  const cut = data.ids.indexOf(second.firstId);
  return { ...data, ...kept(data, data.ids.slice(cut)), pages: data.pages.slice(1), nextCursor: first.cursor };
}

function kept(data: ConversationData, ids: readonly string[]): { ids: readonly string[]; byId: Map<string, Message> } {
  const byId = new Map<string, Message>();
  for (const id of ids) byId.set(id, data.byId.get(id) as Message);
  return { ids, byId };
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
        contextMessages: event.data.contextMessages ?? message.contextMessages,
        contextSummaryId: event.data.contextSummaryId ?? message.contextSummaryId,
        memoryUsed: event.data.memoryUsed ?? message.memoryUsed,
      }));
    case "message.error":
      return patched(data, event.data.messageId, (message) => ({
        ...message,
        status: "error",
        error: event.data.error,
        usage: event.data.usage ?? message.usage,
      }));
    case "conversation.updated": {
      // Another tab (or the CLI) switched branches: the path shown is no longer the active one.
      const shownLeaf = isDetached(data) ? data.leaf?.id : data.ids.at(-1);
      return event.data.activeMessageId === (shownLeaf ?? null) ? data : "reload";
    }
    case "conversation.refetch":
      return "reload";
    default:
      return data;
  }
}

/** A message of the path changed; one elsewhere in the tree is not shown, so nothing changes. */
function patched(data: ConversationData, messageId: string, update: (message: Message) => Message): ConversationData {
  const leaf = data.leaf?.id === messageId ? update(data.leaf) : data.leaf;
  const message = data.byId.get(messageId);
  if (message === undefined) return leaf === data.leaf ? data : { ...data, leaf };
  const updated = leaf?.id === messageId ? leaf : update(message);
  return { ...data, leaf, byId: new Map(data.byId).set(messageId, updated) };
}

/**
 * A new message becomes the end of the active path (every send, edit and regeneration makes it the
 * active leaf): after its parent, or in place of a sibling (an edit or a regeneration), which drops
 * the old branch from view.
 */
function placed(data: ConversationData, node: Omit<Message, "siblingIds">): Applied {
  if (data.byId.has(node.id) || data.leaf?.id === node.id) return data;
  const { ids } = data;
  const last = ids.at(-1);
  const isFirst = node.parentId === null && ids.length === 0 && data.nextCursor === null;
  if (!isDetached(data) && (isFirst || (last !== undefined && node.parentId === last))) {
    const message = { ...node, siblingIds: [node.id] };
    const byId = new Map(data.byId).set(node.id, message);
    const pages = data.pages.length === 0 ? [{ cursor: null, firstId: node.id }] : data.pages;
    return { ...data, ids: [...ids, node.id], byId, pages, leaf: message };
  }
  const index = ids.findIndex((id) => data.byId.get(id)?.parentId === node.parentId);
  if (index === -1) {
    // After a window that does not reach the newest message: it is the new leaf, loaded on the way down.
    if (isDetached(data)) return { ...data, leaf: { ...node, siblingIds: [node.id] } };
    return "reload";
  }
  const sibling = data.byId.get(ids[index] as string) as Message;
  const keptIds = ids.slice(0, index);
  // The snapshot's siblings may already name it (they are read just after its messages).
  const siblingIds = sibling.siblingIds.includes(node.id) ? sibling.siblingIds : [...sibling.siblingIds, node.id];
  const message = { ...node, siblingIds };
  const { byId } = kept(data, keptIds);
  byId.set(node.id, message);
  const newIds = [...keptIds, node.id];
  // The path now ends here: the pages after it are gone, and the last one is the newest (loaded again
  // from the active leaf: its old cursor may name a message of the branch left).
  const pages = data.pages.filter((page) => keptIds.includes(page.firstId));
  const lastPage = pages.pop();
  pages.push({ cursor: null, firstId: lastPage?.firstId ?? node.id });
  return { ...data, ids: newIds, byId, pages, newer: [], leaf: message };
}

/** The last message of `role` on the path; none while the window does not reach the newest message. */
export function lastOf(data: ConversationData | undefined, role: Message["role"]): Message | undefined {
  if (data === undefined || isDetached(data)) return undefined;
  for (let index = data.ids.length - 1; index >= 0; index--) {
    const message = data.byId.get(data.ids[index] as string);
    if (message?.role === role) return message;
  }
  return undefined;
}

/** The reply being written, if the path ends in one (shown or not). */
export function streamingReply(data: ConversationData | undefined): Message | undefined {
  return isUnfinished(data?.leaf) ? data?.leaf : undefined;
}

/** The last fenced code block of a reply's text (what "copy the last code block" copies). */
export function lastCodeBlock(text: string): string | undefined {
  const blocks = [...text.matchAll(/^ {0,3}(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n? {0,3}\1[`~]*[ \t]*$/gm)];
  return blocks.at(-1)?.[2];
}

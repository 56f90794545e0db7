import type { Conversation } from "./conversation-queries.ts";

type GroupId = "pinned" | "today" | "yesterday" | "previous7Days" | "older";

export interface ConversationGroup {
  id: GroupId;
  conversations: Conversation[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Midnight at the start of the day `date` falls on, in the browser's time zone. */
function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

function groupOf(conversation: Conversation, today: number): GroupId {
  if (conversation.pinnedAt !== null) return "pinned";
  const day = startOfDay(new Date(conversation.updatedAt));
  // Days counted by calendar date (rounded: a daylight-saving day is 23 or 25 hours long).
  const daysAgo = Math.round((today - day) / DAY_MS);
  if (daysAgo <= 0) return "today";
  if (daysAgo === 1) return "yesterday";
  if (daysAgo <= 7) return "previous7Days";
  return "older";
}

const ORDER: GroupId[] = ["pinned", "today", "yesterday", "previous7Days", "older"];

/**
 * The list in groups: pinned ones, then by the local day of their last update (today, yesterday, the
 * seven days before, older), each keeping the list's order. A conversation changed in the cache
 * (pinned, say) before the list is fetched again lands in its group at once.
 */
export function groupConversations(conversations: readonly Conversation[], now: Date): ConversationGroup[] {
  const today = startOfDay(now);
  const groups = new Map<GroupId, Conversation[]>(ORDER.map((id) => [id, []]));
  for (const conversation of conversations) groups.get(groupOf(conversation, today))?.push(conversation);
  return ORDER.map((id) => ({ id, conversations: groups.get(id) ?? [] })).filter(
    (group) => group.conversations.length > 0,
  );
}

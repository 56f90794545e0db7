/** Query keys more than one feature reads or invalidates (features never import each other). */
export const queryKeys = {
  /** The signed-in user (null when nobody is): the gate reads it, settings change it. */
  me: ["me"] as const,
  conversations: ["conversations"] as const,
  conversation: (id: string) => ["conversation", id] as const,
  /** A conversation's active path as the chat keeps it (features/chat/conversation-data.ts), patched by its events. */
  messages: (conversationId: string) => ["messages", conversationId] as const,
  models: ["models"] as const,
};

/** Query keys more than one feature reads or invalidates (features never import each other). */
export const queryKeys = {
  conversations: ["conversations"] as const,
  conversation: (id: string) => ["conversation", id] as const,
  messages: (conversationId: string) => ["messages", conversationId] as const,
  models: ["models"] as const,
};

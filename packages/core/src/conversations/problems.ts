export type ConversationsProblem = { code: "conversation-not-found"; detail: string; conversationId: string };

export const conversationsProblems = {
  /** Also the answer for another user's conversation: whether an id exists is not theirs to learn. */
  conversationNotFound: (conversationId: string): ConversationsProblem => ({
    code: "conversation-not-found",
    detail: `You have no conversation with the id ${conversationId}.`,
    conversationId,
  }),
};

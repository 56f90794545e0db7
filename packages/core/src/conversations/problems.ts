export type ConversationsProblem =
  | { code: "conversation-not-found"; detail: string; conversationId: string }
  | { code: "message-not-found"; detail: string; messageId: string }
  | { code: "summary-not-found"; detail: string; summaryId: string }
  | { code: "model-not-found"; detail: string; model: string; installed: string[] }
  | { code: "no-model"; detail: string }
  | { code: "engine-unavailable"; detail: string }
  | { code: "model-unavailable"; detail: string; model: string; reason: string }
  | { code: "wrong-message-role"; detail: string; messageId: string; role: string }
  | { code: "reply-in-progress"; detail: string; messageId: string }
  | { code: "reply-finished"; detail: string; messageId: string; status: string }
  | { code: "too-many-replies"; detail: string; limit: number }
  | { code: "message-too-long"; detail: string; model: string; minimumTokens: number; contextTokens: number }
  | { code: "unknown-tool"; detail: string; tools: string[]; known: string[] };

export const conversationsProblems = {
  /** Also the answer for another user's conversation: whether an id exists is not theirs to learn. */
  conversationNotFound: (conversationId: string): ConversationsProblem => ({
    code: "conversation-not-found",
    detail: `You have no conversation with the id ${conversationId}.`,
    conversationId,
  }),
  messageNotFound: (messageId: string): ConversationsProblem => ({
    code: "message-not-found",
    detail: `You have no message with the id ${messageId}.`,
    messageId,
  }),
  summaryNotFound: (summaryId: string): ConversationsProblem => ({
    code: "summary-not-found",
    detail: `This conversation has no summary with the id ${summaryId}.`,
    summaryId,
  }),
  modelNotFound: (model: string, installed: string[]): ConversationsProblem => ({
    code: "model-not-found",
    detail:
      installed.length === 0
        ? `No model named ${model} is installed, and no model is: add a GGUF file to the models dir, or a provider.`
        : `No model named ${model} is installed. Installed: ${installed.join(", ")}.`,
    model,
    installed,
  }),
  noModel: (): ConversationsProblem => ({
    code: "no-model",
    detail: "No model is installed: add a GGUF file to the models dir (GET /api/models lists what is there).",
  }),
  modelUnavailable: (model: string, reason: string): ConversationsProblem => ({
    code: "model-unavailable",
    detail: `${model} cannot be used now: ${reason}`,
    model,
    reason,
  }),
  engineUnavailable: (reason: string): ConversationsProblem => ({
    code: "engine-unavailable",
    detail: `The inference engine could not start: ${reason}`,
  }),
  wrongRole: (messageId: string, role: string, action: string): ConversationsProblem => ({
    code: "wrong-message-role",
    detail: `Message ${messageId} is ${role === "user" ? "yours" : "a reply"}: ${action}.`,
    messageId,
    role,
  }),
  replyInProgress: (messageId: string): ConversationsProblem => ({
    code: "reply-in-progress",
    detail: `Reply ${messageId} is still being written: wait for it to finish, or cancel it, before answering it.`,
    messageId,
  }),
  tooManyReplies: (limit: number): ConversationsProblem => ({
    code: "too-many-replies",
    detail: `You have ${limit} replies being written already: wait for one to finish, or cancel one.`,
    limit,
  }),
  messageTooLong: (model: string, minimumTokens: number, contextTokens: number): ConversationsProblem => ({
    code: "message-too-long",
    detail:
      `The message is at least ${minimumTokens} tokens long; ${model} reads at most ${contextTokens} at once. ` +
      "Shorten it, or use a model with a larger context.",
    model,
    minimumTokens,
    contextTokens,
  }),
  unknownTool: (tools: string[], known: string[]): ConversationsProblem => ({
    code: "unknown-tool",
    detail:
      `No tool is named ${tools.join(", ")}. ` +
      (known.length === 0
        ? "This Hearth has no tools."
        : `Tools: ${known.join(", ")} (GET /api/tools describes them).`),
    tools,
    known,
  }),
  replyFinished: (messageId: string, status: string): ConversationsProblem => ({
    code: "reply-finished",
    detail: `Reply ${messageId} has already finished (${status}); there is nothing to cancel.`,
    messageId,
    status,
  }),
};

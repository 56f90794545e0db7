export type AssistantsProblem =
  | { code: "assistant-not-found"; detail: string; assistantId: string }
  | { code: "too-many-assistants"; detail: string; limit: number };

export const assistantsProblems = {
  /** Also the answer for another user's personal assistant: whether it exists is not theirs to learn. */
  notFound: (assistantId: string): AssistantsProblem => ({
    code: "assistant-not-found",
    detail: `You have no assistant with the id ${assistantId}, and none is shared with that id.`,
    assistantId,
  }),
  tooMany: (limit: number): AssistantsProblem => ({
    code: "too-many-assistants",
    detail: `You have made ${limit} assistants, as many as one person may: delete one you no longer use first.`,
    limit,
  }),
};

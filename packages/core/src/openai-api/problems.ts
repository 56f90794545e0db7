/** The failures the OpenAI-compatible API reports besides the common ones (validation, limits, auth). */
export type OpenAiApiProblem =
  /** OpenAI's `model_not_found`: a 404 here, where the conversations' `model-not-found` is a 422 of a field. */
  | { code: "unknown-model"; detail: string; model: string; available: string[] }
  | {
      code: "context-length-exceeded";
      detail: string;
      model: string;
      /** Tokens the prompt holds at least (counting stops once it cannot fit). */
      promptTokens: number;
      contextTokens: number;
      /** The request field that holds what cannot fit: `messages`, `prompt`, `input`, `input.3`. */
      param: string;
    }
  | { code: "too-many-completions"; detail: string; limit: number };

export const openAiApiProblems = {
  unknownModel: (model: string, available: string[], kind: "chat" | "embedding" = "chat"): OpenAiApiProblem => ({
    code: "unknown-model",
    detail:
      available.length === 0
        ? `The model ${model} does not exist, and no ${kind} model is available: add a GGUF file or a provider.`
        : `The model ${model} does not exist. Available: ${available.join(", ")} (GET /v1/models).`,
    model,
    available,
  }),
  contextLengthExceeded: (
    model: string,
    promptTokens: number,
    contextTokens: number,
    param = "messages",
  ): OpenAiApiProblem => ({
    code: "context-length-exceeded",
    detail:
      `${param === "messages" ? "The messages are" : `${param} is`} at least ${promptTokens} tokens long; ${model} ` +
      `reads at most ${contextTokens} tokens at once${param.startsWith("input.") ? "" : ", its reply included"}. ` +
      "Send less text, or use a model with a larger context.",
    model,
    promptTokens,
    contextTokens,
    param,
  }),
  tooManyCompletions: (limit: number): OpenAiApiProblem => ({
    code: "too-many-completions",
    detail: `You have ${limit} completions being written already: wait for one to finish, or stop one.`,
    limit,
  }),
};

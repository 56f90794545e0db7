import type {
  ChatCompletionCreateParamsStreaming,
  ChatCompletionMessageParam,
  ChatCompletionToolChoiceOption,
} from "openai/resources/chat/completions";
import type { CallOptions, PromptMessage, TextPart, ToolChoice } from "../spec/language-model.ts";

/** The chat request, with the sampling fields llama-server and vLLM accept beyond OpenAI's. */
export type OpenAIChatRequest = ChatCompletionCreateParamsStreaming & {
  top_k?: number;
  min_p?: number;
  repeat_penalty?: number;
};

const joinText = (parts: readonly TextPart[]): string => parts.map((part) => part.text).join("");

function toMessages(message: PromptMessage): ChatCompletionMessageParam[] {
  switch (message.role) {
    case "system":
      return [{ role: "system", content: message.content }];
    case "user": {
      const [only, ...rest] = message.content;
      // One part goes as a string, which every server takes; several keep their boundaries as parts.
      if (only && rest.length === 0) return [{ role: "user", content: only.text }];
      return [{ role: "user", content: message.content.map((part) => ({ type: "text", text: part.text })) }];
    }
    case "assistant": {
      const text = joinText(message.content.filter((part): part is TextPart => part.type === "text"));
      const toolCalls = message.content.flatMap((part) =>
        part.type === "tool-call"
          ? [
              {
                id: part.toolCallId,
                type: "function" as const,
                function: { name: part.toolName, arguments: part.input },
              },
            ]
          : [],
      );
      return [{ role: "assistant", content: text || null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }];
    }
    case "tool":
      // OpenAI's tool messages have no error flag: the model reads that a call failed from the text.
      return message.content.map((result) => ({
        role: "tool",
        tool_call_id: result.toolCallId,
        content: result.isError ? `Error: ${result.output}` : result.output,
      }));
  }
}

function toToolChoice(choice: ToolChoice): ChatCompletionToolChoiceOption {
  return typeof choice === "string" ? choice : { type: "function", function: { name: choice.toolName } };
}

/**
 * The field that limits a reply's length. OpenAI's own API replaced `max_tokens` with
 * `max_completion_tokens` and refuses the old one for its reasoning models; the servers that copy its
 * API (Ollama, vLLM, LM Studio, llama-server, LocalAI) have all taken `max_tokens` for longer than
 * the new name, so only OpenAI's hosts (and Azure's) get the new one.
 */
export type TokenLimitField = "max_tokens" | "max_completion_tokens";

export function tokenLimitFieldFor(baseUrl: string): TokenLimitField {
  const host = URL.parse(baseUrl)?.hostname.toLowerCase() ?? "";
  const isOpenAi = host === "api.openai.com" || host.endsWith(".openai.azure.com");
  return isOpenAi ? "max_completion_tokens" : "max_tokens";
}

/** Maps the spec's call options to a streaming chat completion request for `modelId`. */
export function toOpenAIChatRequest(
  modelId: string,
  options: CallOptions,
  tokenLimitField: TokenLimitField = "max_tokens",
): OpenAIChatRequest {
  const request: OpenAIChatRequest = {
    model: modelId,
    messages: options.prompt.flatMap(toMessages),
    stream: true,
    stream_options: { include_usage: true },
  };
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.topP !== undefined) request.top_p = options.topP;
  if (options.seed !== undefined) request.seed = options.seed;
  if (options.stopSequences && options.stopSequences.length > 0) request.stop = [...options.stopSequences];
  if (options.maxOutputTokens !== undefined) request[tokenLimitField] = options.maxOutputTokens;
  if (options.topK !== undefined) request.top_k = options.topK;
  if (options.minP !== undefined) request.min_p = options.minP;
  if (options.repeatPenalty !== undefined) request.repeat_penalty = options.repeatPenalty;
  const format = options.responseFormat;
  if (format?.type === "json")
    request.response_format = format.schema
      ? { type: "json_schema", json_schema: { name: format.name ?? "response", schema: format.schema } }
      : { type: "json_object" };
  if (options.tools && options.tools.length > 0) {
    request.tools = options.tools.map((tool) => ({
      type: "function",
      function: {
        name: tool.name,
        ...(tool.description ? { description: tool.description } : {}),
        parameters: tool.inputSchema,
      },
    }));
    if (options.toolChoice) request.tool_choice = toToolChoice(options.toolChoice);
    if (options.parallelToolCalls === false) request.parallel_tool_calls = false;
  }
  if (options.topLogprobs !== undefined) {
    request.logprobs = true;
    if (options.topLogprobs > 0) request.top_logprobs = options.topLogprobs;
  }
  return request;
}

/** @module An OpenAI chat completion request in the words of the model port (`@hearth/engine/spec`). */
import type {
  CallOptions,
  Prompt,
  PromptMessage,
  ResponseFormat,
  TextPart,
  ToolCallPart,
  ToolChoice,
  ToolDefinition,
} from "@hearth/engine/spec";
import type { ChatCompletionRequest, ChatMessage } from "./chat-completion-request.ts";

type Content = Extract<ChatMessage, { role: "user" }>["content"];

/** Everything of the call but the reply's length and the abort signal, which depend on the model and the client. */
export type RequestedCall = Omit<CallOptions, "maxOutputTokens" | "abortSignal">;

/** Maps a validated request; what validation let through always maps (tool results name earlier calls). */
export function toCallOptions(request: ChatCompletionRequest): RequestedCall {
  const call: RequestedCall = { prompt: toPrompt(request.messages) };
  if (request.temperature != null) call.temperature = request.temperature;
  if (request.top_p != null) call.topP = request.top_p;
  if (request.top_k != null) call.topK = request.top_k;
  if (request.min_p != null) call.minP = request.min_p;
  if (request.repeat_penalty != null) call.repeatPenalty = request.repeat_penalty;
  if (request.seed != null) call.seed = request.seed;
  if (request.stop != null) call.stopSequences = typeof request.stop === "string" ? [request.stop] : request.stop;
  const responseFormat = toResponseFormat(request.response_format);
  if (responseFormat !== undefined) call.responseFormat = responseFormat;
  const tools = (request.tools ?? []).map(toToolDefinition);
  if (tools.length > 0) {
    call.tools = tools;
    if (request.tool_choice != null) call.toolChoice = toToolChoice(request.tool_choice);
    if (request.parallel_tool_calls === false) call.parallelToolCalls = false;
  }
  if (request.logprobs === true) call.topLogprobs = request.top_logprobs ?? 0;
  return call;
}

/** The longest reply the client asked for; `max_completion_tokens` replaced `max_tokens` and wins. */
export function requestedMaxTokens(request: ChatCompletionRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}

function toPrompt(messages: readonly ChatMessage[]): Prompt {
  const prompt: PromptMessage[] = [];
  const toolNames = new Map<string, string>();
  for (const message of messages) {
    switch (message.role) {
      case "system":
      case "developer":
        prompt.push({
          role: "system",
          content: textParts(message.content)
            .map((part) => part.text)
            .join("\n"),
        });
        break;
      case "user":
        prompt.push({ role: "user", content: textParts(message.content) });
        break;
      case "assistant": {
        const calls: ToolCallPart[] = (message.tool_calls ?? []).map((call) => {
          toolNames.set(call.id, call.function.name);
          return {
            type: "tool-call",
            toolCallId: call.id,
            toolName: call.function.name,
            input: call.function.arguments,
          };
        });
        prompt.push({ role: "assistant", content: [...textParts(message.content ?? ""), ...calls] });
        break;
      }
      case "tool": {
        const result = {
          type: "tool-result" as const,
          toolCallId: message.tool_call_id,
          toolName: toolNames.get(message.tool_call_id) as string,
          output: textParts(message.content)
            .map((part) => part.text)
            .join(""),
        };
        // Results of one step's parallel calls come as one message each; the port takes them together.
        const previous = prompt.at(-1);
        if (previous?.role === "tool")
          prompt[prompt.length - 1] = { role: "tool", content: [...previous.content, result] };
        else prompt.push({ role: "tool", content: [result] });
        break;
      }
    }
  }
  return prompt;
}

function textParts(content: Content): TextPart[] {
  if (typeof content === "string") return content === "" ? [] : [{ type: "text", text: content }];
  return content.map((part) => ({ type: "text", text: part.text }));
}

function toToolDefinition(tool: NonNullable<ChatCompletionRequest["tools"]>[number]): ToolDefinition {
  const { name, description, parameters } = tool.function;
  return {
    name,
    ...(description == null ? {} : { description }),
    // OpenAI's default for a function without parameters: it takes none.
    inputSchema: parameters ?? { type: "object", properties: {} },
  };
}

function toToolChoice(choice: NonNullable<ChatCompletionRequest["tool_choice"]>): ToolChoice {
  return typeof choice === "string" ? choice : { type: "tool", toolName: choice.function.name };
}

function toResponseFormat(format: ChatCompletionRequest["response_format"]): ResponseFormat | undefined {
  if (format == null) return undefined;
  if (format.type === "text") return { type: "text" };
  if (format.type === "json_object")
    return format.schema == null ? { type: "json" } : { type: "json", schema: format.schema };
  const { name, schema } = format.json_schema;
  return schema == null ? { type: "json", name } : { type: "json", schema, name };
}

/**
 * UTF-8 bytes of the text the prompt's messages hold, which a template copies into what the model reads:
 * with the model's `maxTokenBytes`, a floor on its tokens known without tokenizing. Tool definitions are
 * left out: a template may rewrite their schemas shorter than the JSON.
 */
export function promptBytes(call: RequestedCall): number {
  let bytes = 0;
  for (const message of call.prompt) {
    if (typeof message.content === "string") {
      bytes += Buffer.byteLength(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === "text") bytes += Buffer.byteLength(part.text);
      else if (part.type === "tool-call") bytes += Buffer.byteLength(part.input);
      else bytes += Buffer.byteLength(part.output);
    }
  }
  return bytes;
}

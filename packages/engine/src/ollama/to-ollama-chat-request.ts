import type { ChatRequest, Message, Options, Tool } from "ollama";
import type { CallOptions, PromptMessage, TextPart, ToolDefinition } from "../spec/language-model.ts";

const joinText = (parts: readonly TextPart[], separator: string): string =>
  parts.map((part) => part.text).join(separator);

/** Ollama takes a call's arguments as an object; the spec keeps them as the JSON text the model wrote. */
function parseArguments(input: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(input);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function toMessages(message: PromptMessage): Message[] {
  switch (message.role) {
    case "system":
      return [{ role: "system", content: message.content }];
    case "user":
      // Ollama's content is one string: separate parts as paragraphs.
      return [{ role: "user", content: joinText(message.content, "\n\n") }];
    case "assistant": {
      const toolCalls = message.content.flatMap((part) =>
        part.type === "tool-call" ? [{ function: { name: part.toolName, arguments: parseArguments(part.input) } }] : [],
      );
      const content = joinText(
        message.content.filter((part): part is TextPart => part.type === "text"),
        "",
      );
      return [{ role: "assistant", content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }];
    }
    case "tool":
      return message.content.map((result) => ({
        role: "tool",
        content: result.isError ? `Error: ${result.output}` : result.output,
        tool_name: result.toolName,
      }));
  }
}

function toTool(tool: ToolDefinition): Tool {
  return {
    type: "function",
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: tool.inputSchema as NonNullable<Tool["function"]["parameters"]>,
    },
  };
}

/** Ollama has no tool_choice: "none" sends no tools; a choice that forces a call is refused before this. */
function selectTools(options: CallOptions): readonly ToolDefinition[] {
  return options.toolChoice === "none" ? [] : (options.tools ?? []);
}

function toOptions(options: CallOptions, contextTokens: number): Partial<Options> {
  const sampling: Partial<Options> = { num_ctx: contextTokens };
  if (options.temperature !== undefined) sampling.temperature = options.temperature;
  if (options.topP !== undefined) sampling.top_p = options.topP;
  if (options.topK !== undefined) sampling.top_k = options.topK;
  if (options.minP !== undefined) sampling.min_p = options.minP;
  if (options.repeatPenalty !== undefined) sampling.repeat_penalty = options.repeatPenalty;
  if (options.seed !== undefined) sampling.seed = options.seed;
  if (options.stopSequences && options.stopSequences.length > 0) sampling.stop = [...options.stopSequences];
  if (options.maxOutputTokens !== undefined) sampling.num_predict = options.maxOutputTokens;
  return sampling;
}

/**
 * Maps the spec's call options to a streaming /api/chat request. `num_ctx` is always sent: Ollama's
 * own default context depends on its version and settings, and Hearth's token counts must hold
 * against the context the model really gets.
 */
export function toOllamaChatRequest(
  modelId: string,
  options: CallOptions,
  settings: { contextTokens: number; keepAlive: string | number | undefined },
): ChatRequest & { stream: true } {
  const tools = selectTools(options);
  const format = options.responseFormat?.type === "json" ? (options.responseFormat.schema ?? "json") : undefined;
  return {
    model: modelId,
    messages: options.prompt.flatMap(toMessages),
    stream: true,
    ...(tools.length > 0 ? { tools: tools.map(toTool) } : {}),
    ...(format ? { format } : {}),
    options: toOptions(options, settings.contextTokens),
    ...(settings.keepAlive !== undefined ? { keep_alive: settings.keepAlive } : {}),
  };
}

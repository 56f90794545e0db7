import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from "node-llama-cpp";
import type { Prompt, ToolResultPart } from "../spec/language-model.ts";

/**
 * A prompt as node-llama-cpp's chat history, ending with the model turn being generated. Tool results
 * join the call they answer: node-llama-cpp keeps a call and its result in one item, and the chat
 * template renders both where the model expects them.
 */
export function toChatHistory(prompt: Prompt): ChatHistoryItem[] {
  const results = new Map<string, ToolResultPart>();
  for (const message of prompt)
    if (message.role === "tool") for (const part of message.content) results.set(part.toolCallId, part);
  const history: ChatHistoryItem[] = [];
  for (const message of prompt) {
    if (message.role === "system") history.push({ type: "system", text: message.content });
    else if (message.role === "user")
      history.push({ type: "user", text: message.content.map((part) => part.text).join("") });
    else if (message.role === "assistant") {
      const response: ChatModelResponse["response"] = [];
      for (const part of message.content) {
        if (part.type === "text") response.push(part.text);
        else response.push(functionCall(part.toolName, part.input, results.get(part.toolCallId)));
      }
      history.push({ type: "model", response });
    }
  }
  // The reply being generated: LlamaChat continues the last model turn. After tool results that turn
  // is the one that made the calls, as node-llama-cpp keeps a turn's calls, results and what follows
  // in one item (a second item would render as a second, empty turn).
  if (prompt.at(-1)?.role !== "tool" || history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}

function functionCall(name: string, input: string, result: ToolResultPart | undefined): ChatModelFunctionCall {
  return {
    type: "functionCall",
    name,
    params: parseJson(input),
    // A failure is told as one, so that the model does not take its message for the tool's answer.
    result: result === undefined ? "" : result.isError ? { error: parseJson(result.output) } : parseJson(result.output),
  };
}

/** A model's arguments or a tool's output: JSON where it parses, else the text itself. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

import type { StreamPart } from "@hearth/engine/spec";
import { type OpenAiToolCall, toOpenAiToolCall } from "./present-completion.ts";
import type { CompletionOutcome } from "./stream-chat-completion.ts";

export interface CollectedCompletion {
  text: string;
  toolCalls: OpenAiToolCall[];
  outcome: CompletionOutcome;
}

/** Reads a whole reply, for a request without `stream`: its text, its complete tool calls, how it ended. */
export async function collectCompletion(
  first: IteratorResult<StreamPart>,
  parts: AsyncIterator<StreamPart>,
): Promise<CollectedCompletion> {
  let text = "";
  const toolCalls: OpenAiToolCall[] = [];
  let outcome: CompletionOutcome = { finishReason: "stop" };
  try {
    for (let result = first; !result.done; result = await parts.next()) {
      const part = result.value;
      if (part.type === "text-delta") text += part.text;
      else if (part.type === "tool-call") toolCalls.push(toOpenAiToolCall(part));
      else if (part.type === "finish") {
        outcome = {
          finishReason: part.finishReason,
          usage: part.usage,
          ...(part.error === undefined ? {} : { error: part.error }),
        };
      }
    }
  } catch (error) {
    outcome = { finishReason: "error", error: error instanceof Error ? error.message : String(error) };
  }
  return { text, toolCalls, outcome };
}

import type { PromptMessage, TextPart, ToolCallPart, ToolResultPart } from "@hearth/engine/spec";
import type { MessagePart } from "./schema.ts";

/** What the prompt needs of a stored message. */
export interface StoredTurn {
  role: "user" | "assistant";
  content: string;
  parts: readonly MessagePart[] | null;
}

/**
 * A stored message as the model reads it in later turns. A reply with tool parts becomes, in order,
 * assistant (text and calls) / tool (results) / assistant (text) … messages, its text split at the
 * parts' offsets. A call with no stored result (the reply was stopped while it ran) is left out, since
 * a call the prompt never answers is refused by some providers; an empty message is none at all.
 */
export function replyPromptMessages(turn: StoredTurn): PromptMessage[] {
  if (turn.role === "user" || turn.parts === null || turn.parts.length === 0) {
    return turn.content.length === 0 ? [] : [{ role: turn.role, content: [{ type: "text", text: turn.content }] }];
  }
  const answered = new Set(turn.parts.flatMap((part) => (part.type === "tool-result" ? [part.toolCallId] : [])));
  const messages: PromptMessage[] = [];
  let assistant: (TextPart | ToolCallPart)[] = [];
  let results: ToolResultPart[] = [];
  let cursor = 0;
  const endAssistant = () => {
    if (assistant.length > 0) messages.push({ role: "assistant", content: assistant });
    assistant = [];
  };
  const endResults = () => {
    if (results.length > 0) messages.push({ role: "tool", content: results });
    results = [];
  };
  const addTextUpTo = (offset: number) => {
    const end = Math.min(Math.max(offset, cursor), turn.content.length);
    const text = turn.content.slice(cursor, end);
    cursor = end;
    if (text.length === 0) return;
    endResults();
    assistant.push({ type: "text", text });
  };
  for (const part of turn.parts) {
    addTextUpTo(part.offset);
    const { toolCallId, toolName } = part;
    if (part.type === "tool-call") {
      if (!answered.has(toolCallId)) continue;
      endResults();
      assistant.push({ type: "tool-call", toolCallId, toolName, input: part.input });
    } else {
      endAssistant();
      results.push({ type: "tool-result", toolCallId, toolName, output: part.output, isError: part.isError });
    }
  }
  addTextUpTo(turn.content.length);
  endAssistant();
  endResults();
  return messages;
}

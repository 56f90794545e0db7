/**
 * @module How a planned call runs on LlamaChat: the options it adds to `generateResponse`, how the
 * model's output becomes stream parts, and how the reply ends.
 */
import type { ChatHistoryItem, ChatModelFunctions, LLamaChatGenerateResponseOptions } from "node-llama-cpp";
import type { FinishReason, StreamPart } from "../spec/language-model.ts";
import type { CallPlan } from "./call-plan.ts";
import { ForcedCallReader, withForcedCallInstruction } from "./forced-tool-call.ts";
import { NativeToolCalls, newToolCallId } from "./tool-calls.ts";

type StopReason = string;
export type ReplyEnd = { finishReason: FinishReason; error?: string };

export interface ReplyMode {
  history(history: ChatHistoryItem[]): ChatHistoryItem[];
  options: LLamaChatGenerateResponseOptions<ChatModelFunctions>;
  /** Called once generation returned; may push the last parts before `finish`. */
  end(stopReason: StopReason): ReplyEnd;
}

export function toReplyMode(plan: CallPlan, push: (part: StreamPart) => void, maxTokens: number): ReplyMode {
  // node-llama-cpp reports empty chunks for tokens that render as nothing (control tokens, a call's syntax).
  const onTextChunk = (text: string) => {
    if (text !== "") push({ type: "text-delta", text });
  };
  const same = (history: ChatHistoryItem[]) => history;
  if (plan.kind === "text") return { history: same, options: { onTextChunk }, end: (reason) => toFinishReason(reason) };
  if (plan.kind === "json")
    return { history: same, options: { grammar: plan.grammar, onTextChunk }, end: (reason) => toFinishReason(reason) };
  if (plan.kind === "tools") {
    const calls = new NativeToolCalls(push);
    return {
      history: same,
      options: {
        functions: plan.functions,
        ...(plan.isOneCallOnly ? { maxParallelFunctionCalls: 1 } : {}),
        onTextChunk,
        onFunctionCallParamsChunk: (chunk) => calls.onParamsChunk(chunk),
        onFunctionCall: (call) => calls.onFunctionCall(call),
      },
      end: (reason) => {
        const incomplete = calls.incompleteCall;
        if (reason === "abort") return { finishReason: "abort" };
        if (incomplete !== undefined)
          return {
            finishReason: "error",
            error: `The call to ${incomplete} did not complete: ${why(reason, maxTokens)}.`,
          };
        return calls.completed > 0 ? { finishReason: "tool-calls" } : toFinishReason(reason);
      },
    };
  }
  const reader = new ForcedCallReader();
  let toolCallId: string | undefined;
  return {
    history: (history) => withForcedCallInstruction(history, plan.tools),
    options: {
      grammar: plan.grammar,
      onTextChunk: (text) => {
        const delta = reader.read(text);
        if (delta === "" || reader.toolName === undefined) return;
        toolCallId ??= newToolCallId();
        push({ type: "tool-input-delta", toolCallId, toolName: reader.toolName, delta });
      },
    },
    end: (reason) => {
      if (reason === "abort") return { finishReason: "abort" };
      if (!reader.isComplete || toolCallId === undefined || reader.toolName === undefined)
        return { finishReason: "error", error: `The required tool call did not complete: ${why(reason, maxTokens)}.` };
      push({ type: "tool-call", toolCallId, toolName: reader.toolName, input: reader.input });
      return { finishReason: "tool-calls" };
    },
  };
}

function why(reason: StopReason, maxTokens: number): string {
  if (reason === "maxTokens") return `the limit of ${maxTokens} output tokens came first`;
  if (reason === "customStopTrigger") return "a stop sequence ended the reply first";
  return `the model stopped first (${reason})`;
}

function toFinishReason(reason: StopReason): ReplyEnd {
  if (reason === "maxTokens") return { finishReason: "length" };
  if (reason === "abort") return { finishReason: "abort" };
  if (reason === "functionCalls") return { finishReason: "tool-calls" };
  return { finishReason: "stop" };
}

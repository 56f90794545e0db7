import type {
  CallOptions,
  ContextWindow,
  LanguageModel,
  PromptMessage,
  TextPart,
  ToolCallPart,
  ToolOptions,
  ToolResultPart,
} from "@hearth/engine/spec";
import type { MemoryUse } from "../memory/schema.ts";
import { runTool } from "../tools/run-tool.ts";
import { RESERVE_TOKENS } from "./prompt.ts";
import type { ReplyTools } from "./reply-tools.ts";
import type { ReplyUsage, ReplyWriter } from "./reply-writer.ts";

/** What is known of a reply while it is written, kept when it ends early. */
export interface Progress {
  /** Summed over the reply's model calls. */
  usage?: ReplyUsage;
  contextMessages?: number;
  contextSummaryId?: string;
  /** What the prompt held from the user's memory. */
  memoryUsed?: MemoryUse[];
}

export interface ReplySteps {
  model: LanguageModel;
  window: ContextWindow;
  /** The first call's prompt, and its room for output (see buildPrompt). */
  prompt: PromptMessage[];
  maxOutputTokens: number;
  /** The most tokens the reply may write over all its calls. */
  maxReplyTokens: number;
  /** Undefined: the reply is one call without tools. */
  tools: ReplyTools | undefined;
  /** Sampling for every call (the model's defaults: see model-settings.ts). */
  sampling?: Pick<CallOptions, "temperature" | "topP" | "topK" | "minP" | "repeatPenalty">;
  writer: ReplyWriter;
  signal: AbortSignal;
  progress: Progress;
}

/**
 * Writes a reply as a loop of model calls. Text goes to the writer as it comes; each tool call is
 * stored and announced, then run (in order), and its result stored and announced; the step (the
 * text and calls, then the results) joins the prompt and the model is called again, up to the step
 * limit, whose last call may not call tools. Each call's output room is what the context and the
 * reply's token limit have left; with none left the reply ends with what it has. A stop, during a
 * call or a tool, ends the loop without storing more. Returns why the model failed, if it did.
 */
export async function runReplySteps(steps: ReplySteps): Promise<string | undefined> {
  const { tools, signal, progress } = steps;
  let prompt = steps.prompt;
  let maxOutputTokens = steps.maxOutputTokens;
  for (let step = 0; ; step++) {
    const isLast = tools === undefined || step >= tools.settings.maxSteps - 1;
    const call: CallOptions = {
      ...steps.sampling,
      prompt,
      maxOutputTokens,
      abortSignal: signal,
      ...toolOptionsFor(tools, step),
    };
    const made = await streamStep(steps, call);
    if (made.failure !== undefined) return made.failure;
    // Calls the last step made anyway (a provider that ignores "none") are kept but not run: nothing would read them.
    if (tools === undefined || made.calls.length === 0 || isLast || signal.aborted) return undefined;
    const results: ToolResultPart[] = [];
    for (const { toolCallId, toolName, input } of made.calls) {
      const result = await runTool(tools.enabled, { toolName, input }, tools.context, tools.settings, signal);
      // A stop during the tool: its result is not stored, and the reply ends with what was.
      if (signal.aborted) return undefined;
      steps.writer.addPart({ type: "tool-result", toolCallId, toolName, ...result });
      results.push({ type: "tool-result", toolCallId, toolName, ...result });
    }
    const said: (TextPart | ToolCallPart)[] = made.text.length > 0 ? [{ type: "text", text: made.text }] : [];
    prompt = [...prompt, { role: "assistant", content: [...said, ...made.calls] }, { role: "tool", content: results }];
    const room = await roomLeft(steps, prompt, toolOptionsFor(tools, step + 1), progress.usage?.completionTokens ?? 0);
    if (room < 1) return undefined;
    maxOutputTokens = room;
  }
}

/**
 * The tools a step's call offers, and how it may use them: "required" holds for the first call only,
 * so the model can answer once it has a result, and the last call may not call a tool.
 */
export function toolOptionsFor(tools: ReplyTools | undefined, step: number): ToolOptions {
  if (tools === undefined) return {};
  const isLast = step >= tools.settings.maxSteps - 1;
  return { tools: tools.definitions, toolChoice: isLast ? "none" : step === 0 ? tools.choice : "auto" };
}

/** One model call, its text written and its tool calls stored as they come. */
async function streamStep(steps: ReplySteps, call: CallOptions) {
  const { writer, progress } = steps;
  let text = "";
  const calls: ToolCallPart[] = [];
  let failure: string | undefined;
  for await (const part of steps.model.doStream(call)) {
    if (part.type === "text-delta") {
      writer.write(part.text);
      text += part.text;
    } else if (part.type === "tool-call" && call.tools !== undefined) {
      const { toolCallId, toolName, input } = part;
      writer.addPart({ type: "tool-call", toolCallId, toolName, input });
      calls.push({ type: "tool-call", toolCallId, toolName, input });
    } else if (part.type === "finish") {
      const before = progress.usage ?? { promptTokens: 0, completionTokens: 0 };
      progress.usage = {
        promptTokens: before.promptTokens + part.usage.inputTokens,
        completionTokens: before.completionTokens + part.usage.outputTokens,
      };
      if (part.finishReason === "error") failure = part.error ?? "the provider gave no reason";
    }
  }
  return { text, calls, failure };
}

/**
 * Output tokens the next call may write: what the context leaves after its prompt (with what its tools
 * add), within the reply's limit.
 */
async function roomLeft(steps: ReplySteps, prompt: PromptMessage[], tools: ToolOptions, written: number) {
  const { contextTokens } = steps.window;
  const promptTokens = await steps.window.countPromptTokens(prompt, contextTokens, tools);
  return Math.min(steps.maxReplyTokens - written, contextTokens - promptTokens - RESERVE_TOKENS);
}

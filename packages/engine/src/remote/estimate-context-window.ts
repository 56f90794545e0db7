import type { ContextWindow, PromptMessage, ToolOptions } from "../spec/language-model.ts";

/**
 * Tokens a chat template adds around one message (role markers, separators) and per tool call or
 * result in it; templates in use add 3–6.
 */
const MESSAGE_OVERHEAD_TOKENS = 8;
/** Tokens a template adds once per prompt: a default system text, the reply's opening. */
const PROMPT_OVERHEAD_TOKENS = 64;

const byteLength = (text: string): number => Buffer.byteLength(text, "utf8");

function estimateMessageTokens(message: PromptMessage): number {
  if (message.role === "system") return MESSAGE_OVERHEAD_TOKENS + byteLength(message.content);
  let tokens = MESSAGE_OVERHEAD_TOKENS;
  for (const part of message.content) {
    if (part.type === "text") tokens += byteLength(part.text);
    else if (part.type === "tool-call")
      tokens += MESSAGE_OVERHEAD_TOKENS + byteLength(part.toolCallId + part.toolName + part.input);
    else tokens += MESSAGE_OVERHEAD_TOKENS + byteLength(part.toolCallId + part.toolName + part.output);
  }
  return tokens;
}

/** Offered tools travel as JSON (the provider renders them into the prompt): their bytes, and some. */
function estimateToolTokens(tools: ToolOptions | undefined): number {
  if (tools?.tools === undefined || tools.tools.length === 0 || tools.toolChoice === "none") return 0;
  return PROMPT_OVERHEAD_TOKENS + byteLength(JSON.stringify(tools.tools));
}

/**
 * The context window of a model whose tokenizer Hearth cannot run (a remote model): an estimate that
 * never runs short. Every tokenizer in use (byte-level BPE, SentencePiece with byte fallback) spends
 * at least one UTF-8 byte of text per token, so a text of B bytes is at most B tokens; special tokens
 * and template text are covered by fixed overheads. The estimate counts each byte as a token, so
 * `maxTokenBytes` is 1: it describes the estimate's counting, not the model's tokenizer, and lets a
 * caller refuse a text of more bytes than the context holds without counting it. Real text takes
 * about a quarter of that, so some prompts that would fit are refused; none that cannot fit is let through.
 */
export function estimateContextWindow(contextTokens: number): ContextWindow {
  return {
    contextTokens,
    maxTokenBytes: 1,
    isExact: false,
    countMessageTokens: async (message) => estimateMessageTokens(message),
    countPromptTokens: async (prompt, _stopAbove, tools) =>
      prompt.reduce(
        (total, message) => total + estimateMessageTokens(message),
        PROMPT_OVERHEAD_TOKENS + estimateToolTokens(tools),
      ),
  };
}

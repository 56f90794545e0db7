import type { StreamPart, TokenLogprob } from "@hearth/engine/spec";
import { type OpenAiToolCall, toOpenAiToolCall } from "./present-completion.ts";
import { type CompletionOutcome, type ContentPart, readParts } from "./read-parts.ts";

export interface CollectedCompletion {
  text: string;
  toolCalls: OpenAiToolCall[];
  /** The tokens' log probabilities, where the provider gave them. */
  logprobs: TokenLogprob[];
  outcome: CompletionOutcome;
}

/** Gathers a reply's text and its complete tool calls as its parts come. */
export class ReplyCollector {
  text = "";
  readonly toolCalls: OpenAiToolCall[] = [];
  readonly logprobs: TokenLogprob[] = [];

  add(part: ContentPart): void {
    if (part.type === "text-delta") {
      this.text += part.text;
      if (part.logprobs) this.logprobs.push(...part.logprobs);
    } else if (part.type === "tool-call") this.toolCalls.push(toOpenAiToolCall(part));
  }
}

/** Reads a whole reply, for a request without `stream`: its text, its complete tool calls, how it ended. */
export async function collectCompletion(
  first: IteratorResult<StreamPart>,
  parts: AsyncIterator<StreamPart>,
): Promise<CollectedCompletion> {
  const collector = new ReplyCollector();
  const outcome = await readParts(first, parts, (part) => collector.add(part));
  return { text: collector.text, toolCalls: collector.toolCalls, logprobs: collector.logprobs, outcome };
}

import { fail, ok, type Result } from "../problems.ts";
import type { ChatRuntime } from "./chat.ts";
import { type ConversationsProblem, conversationsProblems as problems } from "./problems.ts";

/**
 * Text up to this many UTF-8 bytes is stored without asking the model first: checking needs the
 * model loaded, which a short message should never wait for, and storing and counting it is cheap.
 */
const CHECK_ABOVE_BYTES = 16 * 1024;

/**
 * Refuses, before anything is stored, a message that no context of `model` can hold: a token stands
 * for at most `maxTokenBytes` bytes, so a text of B bytes is at least B / maxTokenBytes tokens. This
 * costs one byte count; storing a 400 KB message, logging it and reading it back for the prompt held
 * the embedded database (and so the event loop) for hundreds of milliseconds, only to fail later.
 * What passes may still be too long, and is then refused while the prompt is built, without stalling.
 */
export async function checkMessageFits(
  chat: ChatRuntime,
  model: string,
  content: string,
): Promise<Result<void, ConversationsProblem>> {
  const bytes = Buffer.byteLength(content);
  if (bytes <= CHECK_ABOVE_BYTES) return ok(undefined);
  let window: { contextTokens: number; maxTokenBytes: number };
  try {
    window = await (await chat.models.languageModel(model)).contextWindow();
  } catch {
    // A model that fails to load fails the reply, with its reason, as for any message.
    return ok(undefined);
  }
  const minimumTokens = Math.ceil(bytes / window.maxTokenBytes);
  return minimumTokens > window.contextTokens
    ? fail(problems.messageTooLong(model, minimumTokens, window.contextTokens))
    : ok(undefined);
}

/**
 * @module
 * What a one-shot chat sends: the prompt on the command line and what was piped in
 * (`git diff | hearth chat "review this"`), read whole but never past what a message can hold.
 */
import { CliError } from "../errors.ts";

/** The most characters a message may hold (the API's limit on a message's content). */
export const MAX_MESSAGE_CHARACTERS = 200_000;

/**
 * The message: the prompt, a blank line, then the piped text (either alone when the other is empty).
 * Fails with one line when there is nothing to send, the text is too long, or it is binary.
 */
export function composePrompt(prompt: string | undefined, piped: string | undefined): string {
  const parts = [prompt, piped].filter((part): part is string => part !== undefined && part.trim() !== "");
  const content = parts.join("\n\n");
  if (content === "") throw new CliError('nothing to send: give a prompt (hearth chat "…") or pipe text in');
  if (content.includes("\u0000")) {
    throw new CliError("the piped input holds NUL bytes: binary data cannot be sent as a message");
  }
  if (content.length > MAX_MESSAGE_CHARACTERS) {
    throw new CliError(
      `the message is ${content.length} characters long; a message holds at most ${MAX_MESSAGE_CHARACTERS}` +
        " (pipe in less, such as the part that matters)",
    );
  }
  return content;
}

/**
 * Everything piped to `input`, as UTF-8 text. Stops reading once it is sure to be too long for a
 * message, rather than hold an endless pipe in memory: each character (UTF-16 code unit, as the API
 * counts) takes at most 3 bytes of UTF-8.
 */
export async function readPipedInput(input: NodeJS.ReadableStream): Promise<string> {
  const maxBytes = MAX_MESSAGE_CHARACTERS * 3;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    size += buffer.length;
    if (size > maxBytes) {
      throw new CliError(
        `the piped input is over ${maxBytes} bytes, more than a message holds (${MAX_MESSAGE_CHARACTERS} characters)`,
      );
    }
  }
  const text = Buffer.concat(chunks).toString("utf8");
  // Text ending with a line break (as most commands print it) sends no trailing blank line.
  return text.replace(/\n+$/, "");
}

import { createHearthClient } from "@hearth/sdk";
import { type Command, Option } from "commander";
import { ChatSession } from "../chat/chat-session.ts";
import { composePrompt, readPipedInput } from "../chat/compose-prompt.ts";
import { ConnectionWatch } from "../chat/connection-watch.ts";
import { InteractiveChat } from "../chat/interactive-chat.ts";
import { runOneShotChat } from "../chat/one-shot-chat.ts";
import type { ReplyTarget } from "../chat/print-reply-to-end.ts";
import { commandContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import type { Output } from "../output.ts";
import { findAssistant } from "./assistants.ts";

interface ChatOptions {
  model?: string;
  conversation?: string;
  system?: string;
  assistant?: string;
  context?: "drop-oldest" | "summarize";
  temporary?: boolean;
}

/**
 * Reconnections a reply's events may fail in a row before the chat gives up on the server: each try
 * is 3 connection attempts over about 3 s (the SDK's retries, then the server's retry delay).
 */
const MAX_FAILED_CONNECTS = 6;

const EXAMPLES = `
Without a prompt on a terminal, chat interactively (/help lists the commands there). With a prompt,
send it, print the reply as it comes and exit: 0 when it ended done, 1 otherwise (the reason on
stderr). Text piped in is sent after the prompt and a blank line; --json prints the stored reply.

Examples:
  hearth chat
  hearth chat -m local/qwen2.5-1.5b-instruct-q4_k_m.gguf "What should I see in Lisbon?"
  git diff | hearth chat "review this"
  hearth chat --conversation 0b5c… "and in Porto?"
  hearth chat -s "Answer in one sentence." "Why is the sky blue?"
  hearth chat --assistant "Travel guide" "Two days in Lisbon?"
  hearth chat --context summarize     # a long chat: older turns summarized, not dropped
  hearth chat --temporary "Plan a surprise party"   # neither reads nor feeds your memory`;

/** `hearth chat`: interactive on a terminal, else (or with a prompt) one message and its reply. */
export function registerChat(program: Command): void {
  program
    .command("chat")
    .description("chat with a model: interactively, or one prompt (and piped text) with its reply streamed")
    .argument("[prompt...]", "the message to send (words are joined with spaces)")
    .option("-m, --model <id>", "the model to answer with (hearth models list shows them)")
    .option("-c, --conversation <id>", "continue this conversation instead of starting one")
    .option("-s, --system <text>", "the system prompt: instructions the model reads first (kept by the conversation)")
    .option("-a, --assistant <name-or-id>", "start from an assistant's model, system prompt, sampling and tools")
    .addOption(
      new Option(
        "--context <strategy>",
        "once the conversation outgrows the model's context: drop-oldest (the default) or summarize (kept by the conversation)",
      ).choices(["drop-oldest", "summarize"]),
    )
    .option("--temporary", "a temporary chat: it neither reads nor adds to your memory (hearth memory)")
    .addHelpText("after", EXAMPLES)
    .action(async (words: string[], options: ChatOptions, command: Command) => {
      const context = commandContext(command);
      if (options.assistant !== undefined && options.conversation !== undefined)
        throw new UsageError("--assistant starts a new conversation: it cannot go with --conversation");
      if (options.temporary && options.conversation !== undefined)
        throw new UsageError("--temporary starts a new conversation: it cannot go with --conversation");
      const prompt = words.length > 0 ? words.join(" ") : undefined;
      const isInteractive = prompt === undefined && process.stdin.isTTY === true;
      if (isInteractive && context.globals.json) {
        throw new UsageError("--json needs a prompt: the interactive chat prints text, not JSON");
      }
      // Read before anything is stored, so that input refused (too long, binary) leaves nothing behind.
      const content = isInteractive ? undefined : composePrompt(prompt, await pipedInput());
      const target = await openChat(context.output, context.connection, options);
      if (content === undefined)
        await new InteractiveChat(target, { input: process.stdin, output: process.stdout }).run();
      else await runOneShotChat(target, content, { json: context.globals.json });
    });
}

/** The text piped in; none when stdin is a terminal. */
async function pipedInput(): Promise<string | undefined> {
  return process.stdin.isTTY === true ? undefined : readPipedInput(process.stdin);
}

async function openChat(
  output: Output,
  connection: ReplyTarget["connection"],
  options: ChatOptions,
): Promise<ReplyTarget> {
  const watch = new ConnectionWatch({
    maxFailedConnects: MAX_FAILED_CONNECTS,
    onDrop: () => output.info(output.style("yellow", "Connection to the server lost; reconnecting…")),
    onReconnect: () => output.info(output.style("yellow", "Reconnected.")),
  });
  const hearth = createHearthClient({ baseUrl: connection.serverUrl, apiKey: connection.apiKey, fetch: watch.fetch });
  const assistant = options.assistant === undefined ? undefined : await findAssistant(hearth, options.assistant);
  const session = await ChatSession.open(hearth, {
    model: options.model,
    conversationId: options.conversation,
    systemPrompt: options.system,
    assistantId: assistant?.id,
    contextStrategy: options.context,
    temporary: options.temporary,
  });
  return { output, session, watch, connection };
}

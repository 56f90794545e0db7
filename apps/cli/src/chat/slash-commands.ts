/**
 * @module
 * The slash commands of an interactive chat: each takes the text after its name.
 */
import { CliError } from "../errors.ts";
import { printable } from "../output.ts";
import type { InteractiveChat } from "./interactive-chat.ts";
import { sanitizeTerminalText } from "./sanitize-terminal-text.ts";

interface SlashCommand {
  usage: string;
  summary: string;
  run(chat: InteractiveChat, argument: string): Promise<void> | void;
}

/** How much of a branch's text its line in /branch shows. */
const SNIPPET_LENGTH = 72;

const COMMANDS: Record<string, SlashCommand> = {
  model: {
    usage: "/model [id]",
    summary: "show the model and list the server's, or switch to one",
    run: (chat, id) => (id === "" ? listModels(chat) : switchModel(chat, id)),
  },
  new: {
    usage: "/new",
    summary: "start a new conversation (with the next message)",
    run: (chat) => {
      chat.target.session.startNew();
      note(chat, "New conversation: your next message starts it.");
    },
  },
  regenerate: {
    usage: "/regenerate",
    summary: "write another reply to the last message (a new branch)",
    run: (chat) => chat.reply((signal) => chat.target.session.regenerate(signal)),
  },
  edit: {
    usage: "/edit [text]",
    summary: "change the last message (a new branch with a new reply); without text, edit it on the prompt",
    run: (chat, text) => editLastQuestion(chat, text),
  },
  branch: {
    usage: "/branch [n]",
    summary: "list the branches at the latest fork, or switch to branch n",
    run: (chat, choice) => (choice === "" ? listBranches(chat) : switchBranch(chat, choice)),
  },
  system: {
    usage: "/system [text|-]",
    summary: "show the system prompt (the model's instructions), set it to text, or clear it with -",
    run: (chat, text) => (text === "" ? showSystemPrompt(chat) : setSystemPrompt(chat, text === "-" ? null : text)),
  },
  help: { usage: "/help", summary: "this list", run: (chat) => showHelp(chat) },
  exit: { usage: "/exit", summary: "leave (also Ctrl+D, or Ctrl+C on an empty line)", run: (chat) => chat.leave() },
};

/** Runs the slash command `line` names (`/name argument…`). */
export async function runSlashCommand(chat: InteractiveChat, line: string): Promise<void> {
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(line.trim());
  const name = match?.[1] ?? "";
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    throw new CliError(
      `unknown command /${printable(name)}; /help lists the commands (start a message with // to send a /)`,
    );
  }
  await command.run(chat, (match?.[2] ?? "").trim());
}

function showHelp(chat: InteractiveChat): void {
  const width = Math.max(...Object.values(COMMANDS).map((command) => command.usage.length));
  for (const command of Object.values(COMMANDS)) {
    chat.target.output.line(`${command.usage.padEnd(width)}  ${command.summary}`);
  }
  chat.target.output.line("Anything else is sent as a message. Ctrl+C stops a reply.");
}

async function listModels(chat: InteractiveChat): Promise<void> {
  const { session, output } = chat.target;
  const current = session.model ?? session.conversation?.model ?? undefined;
  note(chat, `Model: ${current === undefined ? "the server's default" : printable(current)}`);
  for (const model of await session.models()) {
    const mark = model.id === current ? "*" : " ";
    const state = model.isAvailable ? "" : ` (unavailable: ${printable(model.unavailableReason ?? "unknown")})`;
    output.line(`${mark} ${printable(model.id)}${state}`);
  }
}

async function switchModel(chat: InteractiveChat, id: string): Promise<void> {
  await chat.target.session.setModel(id);
  note(chat, `Model: ${printable(chat.target.session.model ?? id)}`);
}

function showSystemPrompt(chat: InteractiveChat): void {
  const { systemPrompt } = chat.target.session;
  if (systemPrompt === undefined) note(chat, "No system prompt: /system text sets one.");
  else {
    note(chat, "System prompt:");
    chat.target.output.line(printable(systemPrompt, { multiline: true }));
  }
}

async function setSystemPrompt(chat: InteractiveChat, text: string | null): Promise<void> {
  await chat.target.session.setSystemPrompt(text);
  note(chat, text === null ? "System prompt cleared." : "System prompt set: replies from now on read it first.");
}

async function editLastQuestion(chat: InteractiveChat, text: string): Promise<void> {
  const { session } = chat.target;
  if (session.lastQuestion === undefined) throw new CliError("there is no message to edit yet");
  if (text !== "") {
    await chat.reply((signal) => session.edit(text, signal));
    return;
  }
  if (session.lastQuestion.content.includes("\n")) {
    throw new CliError("the last message has several lines: give the new text inline, /edit new text");
  }
  chat.beginEdit();
}

async function listBranches(chat: InteractiveChat): Promise<void> {
  const fork = await chat.target.session.latestFork();
  if (fork === undefined) {
    note(chat, "No branches yet: /edit and /regenerate make them.");
    return;
  }
  const kind = fork.branches[0]?.role === "user" ? "versions of the message" : "replies";
  note(chat, `Branches at the latest fork (${kind}); /branch n switches:`);
  fork.branches.forEach((branch, index) => {
    const mark = index === fork.activeIndex ? "*" : " ";
    chat.target.output.line(`${mark} ${index + 1}  ${snippet(branch.content)}`);
  });
}

async function switchBranch(chat: InteractiveChat, choice: string): Promise<void> {
  const { session, output } = chat.target;
  const fork = await session.latestFork();
  if (fork === undefined) throw new CliError("there are no branches to switch to yet");
  const number = Number(choice);
  const branch = Number.isInteger(number) ? fork.branches[number - 1] : undefined;
  if (branch === undefined) throw new CliError(`choose a branch from 1 to ${fork.branches.length}`);
  await session.switchBranch(branch.id);
  note(chat, `Branch ${number}:`);
  if (session.lastQuestion !== undefined)
    output.line(output.style("dim", `> ${snippet(session.lastQuestion.content)}`));
  if (session.lastReply !== undefined) output.line(sanitizeTerminalText(session.lastReply.content));
}

/** A message's first line, printable and cut to fit a line. */
function snippet(content: string): string {
  const line = printable(content.trim().split("\n")[0] ?? "");
  if (line === "") return "(empty)";
  return line.length > SNIPPET_LENGTH ? `${line.slice(0, SNIPPET_LENGTH)}…` : line;
}

function note(chat: InteractiveChat, text: string): void {
  chat.target.output.line(chat.target.output.style("dim", text));
}

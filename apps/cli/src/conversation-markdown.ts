/**
 * @module
 * A conversation as Markdown: its active branch as a plain transcript, or every branch, where each
 * message is numbered and says which one it answers wherever that is not the one just above.
 */
import type { Conversation, MessageNode } from "./conversation-messages.ts";

/** The conversation with the messages given, as one Markdown document. */
export function conversationMarkdown(
  conversation: Conversation,
  messages: readonly MessageNode[],
  branch: "active" | "all",
): string {
  const ordered = branch === "all" ? depthFirst(messages) : messages.map((message) => ({ message, note: "" }));
  const numbers = new Map(ordered.map(({ message }, index) => [message.id, index + 1]));
  const sections = ordered.map(({ message, note }, index) => {
    const previous = ordered[index - 1]?.message;
    const answers =
      branch === "all" && message.parentId !== null && message.parentId !== previous?.id
        ? ` · answers ${numbers.get(message.parentId) ?? "?"}`
        : "";
    const label = branch === "all" ? `${index + 1} · ` : "";
    return `## ${label}${speaker(message)}${answers}${note}\n\n${messageBody(message)}`;
  });
  return `${header(conversation, messages.length, branch)}\n\n${sections.join("\n\n")}\n`;
}

function header(conversation: Conversation, count: number, branch: "active" | "all"): string {
  const what = branch === "all" ? "every branch" : "the active branch";
  return [
    `# ${conversation.title.replace(/^#+\s*/, "")}`,
    "",
    `- Conversation: \`${conversation.id}\``,
    `- Model: ${conversation.model ?? "the server's default"}`,
    `- Created: ${conversation.createdAt}`,
    `- Updated: ${conversation.updatedAt}`,
    `- Exported: ${what}, ${count} ${count === 1 ? "message" : "messages"}`,
    ...(conversation.systemPrompt ? ["", "## System prompt", "", conversation.systemPrompt] : []),
  ].join("\n");
}

function speaker(message: MessageNode): string {
  if (message.role === "user") return "You";
  return message.model ? `Assistant (${message.model})` : "Assistant";
}

/** The text with its tool calls and results where they happened, and how the reply ended if not done. */
function messageBody(message: MessageNode): string {
  const pieces: string[] = [];
  let at = 0;
  for (const part of [...(message.parts ?? [])].sort((a, b) => a.offset - b.offset)) {
    pieces.push(message.content.slice(at, part.offset));
    at = Math.max(at, part.offset);
    pieces.push(
      part.type === "tool-call"
        ? `\n\n> Tool call: \`${part.toolName}\` ${quoteCode(part.input)}\n\n`
        : `\n\n> Tool result${part.isError ? " (error)" : ""}: ${quoteCode(part.output)}\n\n`,
    );
  }
  pieces.push(message.content.slice(at));
  const text = pieces.join("").trim() || "_(no text)_";
  return message.status === "done" || message.role === "user" ? text : `${text}\n\n_${ending(message)}_`;
}

function ending(message: MessageNode): string {
  if (message.status === "error") return `The reply failed: ${message.error ?? "unknown error"}`;
  if (message.status === "cancelled") return "The reply was stopped.";
  if (message.status === "interrupted") return "The reply was interrupted.";
  return `The reply was ${message.status} when exported.`;
}

/** Inline code that survives backticks and line breaks inside it. */
function quoteCode(text: string): string {
  const oneLine = text.replace(/\s*\n\s*/g, " ");
  const fence = "`".repeat(Math.max(0, ...[...oneLine.matchAll(/`+/g)].map((match) => match[0].length)) + 1);
  return `${fence} ${oneLine} ${fence}`;
}

/** Messages in reading order: each followed by its answers, alternatives (edits, regenerations) in the order written. */
function depthFirst(messages: readonly MessageNode[]): { message: MessageNode; note: string }[] {
  const children = new Map<string | null, MessageNode[]>();
  const ids = new Set(messages.map((message) => message.id));
  for (const message of messages) {
    // A message whose parent is missing from the export is shown as a root rather than dropped.
    const parent = message.parentId !== null && ids.has(message.parentId) ? message.parentId : null;
    const siblings = children.get(parent);
    if (siblings) siblings.push(message);
    else children.set(parent, [message]);
  }
  const ordered: { message: MessageNode; note: string }[] = [];
  // A stack rather than recursion: a long conversation is a path thousands of messages deep.
  const stack = [...withNotes(children.get(null) ?? [])].reverse();
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    ordered.push(next);
    stack.push(...withNotes(children.get(next.message.id) ?? []).reverse());
  }
  return ordered;
}

function withNotes(siblings: readonly MessageNode[]): { message: MessageNode; note: string }[] {
  return siblings.map((message, index) => ({
    message,
    note: siblings.length > 1 ? ` · version ${index + 1} of ${siblings.length}` : "",
  }));
}

/**
 * @module A tool call the caller requires (toolChoice "required" or a named tool). node-llama-cpp has
 * no way to make a model start its own call syntax, so the reply is held by a grammar to one JSON
 * object, `{"name": <a tool>, "arguments": <its input>}`, which is read as it streams and becomes the
 * call: the same on every model, whatever its template.
 */
import type { ChatHistoryItem, GbnfJsonSchema } from "node-llama-cpp";
import type { PlannedTool } from "./call-plan.ts";

/** The object a forced call writes, one alternative per tool, each naming its own arguments. */
export function forcedCallSchema(tools: readonly PlannedTool[]): GbnfJsonSchema {
  const alternatives = tools.map(
    (tool): GbnfJsonSchema => ({
      type: "object",
      // In this order: the name comes first, so the arguments can stream under a known tool.
      properties: { name: { const: tool.name }, arguments: tool.params },
    }),
  );
  return alternatives.length === 1 ? (alternatives[0] as GbnfJsonSchema) : { oneOf: alternatives };
}

/**
 * `history` with the tools and the required shape told in its system message, so that the model
 * (a real one) fills the grammar with sense.
 */
export function withForcedCallInstruction(
  history: ChatHistoryItem[],
  tools: readonly PlannedTool[],
): ChatHistoryItem[] {
  const instruction = [
    'Call one of these tools now. Reply with a JSON object only: {"name": <the tool\'s name>, "arguments": <its arguments>}.',
    ...tools.map((tool) =>
      JSON.stringify({ name: tool.name, description: tool.description, parameters: tool.inputSchema }),
    ),
  ].join("\n");
  const [first, ...rest] = history;
  if (first?.type === "system" && typeof first.text === "string")
    return [{ type: "system", text: `${first.text}\n\n${instruction}` }, ...rest];
  return [{ type: "system", text: instruction }, ...history];
}

/** What comes before the arguments: the grammar allows whitespace around every token. */
const HEAD = /^\s*\{\s*"name"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*"arguments"\s*:/;

/**
 * Reads a forced call as the model writes it and hands out the text of its arguments as it comes, so
 * they stream as `tool-input-delta`s that concatenate to the call's input.
 */
export class ForcedCallReader {
  #head = "";
  #state: "head" | "arguments" | "done" = "head";
  #depth = 0;
  #isInString = false;
  #isEscaped = false;
  toolName: string | undefined;
  input = "";

  get isComplete(): boolean {
    return this.#state === "done";
  }

  /** Takes the next text the model wrote; returns the part of it that belongs to the arguments. */
  read(text: string): string {
    let rest = text;
    if (this.#state === "head") {
      this.#head += text;
      const match = HEAD.exec(this.#head);
      if (match === null) return "";
      this.toolName = JSON.parse(match[1] as string) as string;
      rest = this.#head.slice(match[0].length);
      this.#state = "arguments";
    }
    if (this.#state !== "arguments") return "";
    let end = 0;
    for (; end < rest.length && this.#state === "arguments"; end++) this.#step(rest[end] as string);
    const delta = rest.slice(0, end).replace(this.input === "" ? /^\s+/ : /^/, "");
    this.input += delta;
    return delta;
  }

  /** One character of the arguments: tracks strings and nesting to find where the object ends. */
  #step(character: string): void {
    if (this.#isInString) {
      if (this.#isEscaped) this.#isEscaped = false;
      else if (character === "\\") this.#isEscaped = true;
      else if (character === '"') this.#isInString = false;
      return;
    }
    if (character === '"') this.#isInString = true;
    else if (character === "{" || character === "[") this.#depth++;
    else if ((character === "}" || character === "]") && --this.#depth === 0) this.#state = "done";
  }
}

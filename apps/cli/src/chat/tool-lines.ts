import { printable } from "../output.ts";

/** The longest tool input or output shown; the model got all of it. */
const MAX_TOOL_TEXT = 300;

/** A tool call on one line: `→ name(input)`. */
export function toolCallLine(call: { toolName: string; input: string }): string {
  return `→ ${printable(call.toolName)}(${clip(call.input)})`;
}

/** A tool's result on one line: `← name: output`, or `✗ name: why` when it failed. */
export function toolResultLine(result: { toolName: string; output: string; isError: boolean }): string {
  return `${result.isError ? "✗" : "←"} ${printable(result.toolName)}: ${clip(result.output)}`;
}

/** Text from the model or a tool on one line (made printable), cut to a readable length. */
function clip(text: string): string {
  const line = printable(text);
  return line.length > MAX_TOOL_TEXT ? `${line.slice(0, MAX_TOOL_TEXT)}…` : line;
}

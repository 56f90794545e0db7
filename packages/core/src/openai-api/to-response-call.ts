/** @module A Responses API request in the words of the model port (`@hearth/engine/spec`). */
import type { PromptMessage, ResponseFormat, TextPart, ToolCallPart, ToolResultPart } from "@hearth/engine/spec";
import type { ResponseRequest } from "./response-request.ts";
import type { RequestedCall } from "./to-call-options.ts";

/** Maps a validated request; what validation let through always maps (outputs answer earlier calls). */
export function toResponseCall(request: ResponseRequest): RequestedCall {
  const prompt: PromptMessage[] = [];
  if (request.instructions != null && request.instructions !== "") {
    prompt.push({ role: "system", content: request.instructions });
  }
  const toolNames = new Map<string, string>();
  for (const item of request.input) {
    const previous = prompt.at(-1);
    if (item.type === "message") {
      const parts = textParts(item.content);
      if (item.role === "system" || item.role === "developer") {
        prompt.push({ role: "system", content: parts.map((part) => part.text).join("\n") });
      } else if (item.role === "user") prompt.push({ role: "user", content: parts });
      else pushAssistant(prompt, parts);
    } else if (item.type === "function_call") {
      toolNames.set(item.call_id, item.name);
      const call: ToolCallPart = {
        type: "tool-call",
        toolCallId: item.call_id,
        toolName: item.name,
        input: item.arguments,
      };
      pushAssistant(prompt, [call]);
    } else if (item.type === "function_call_output") {
      const result: ToolResultPart = {
        type: "tool-result",
        toolCallId: item.call_id,
        toolName: toolNames.get(item.call_id) as string,
        output: textParts(item.output)
          .map((part) => part.text)
          .join(""),
      };
      // One step's outputs come as an item each; the port takes them as one message.
      if (previous?.role === "tool")
        prompt[prompt.length - 1] = { role: "tool", content: [...previous.content, result] };
      else prompt.push({ role: "tool", content: [result] });
    }
  }
  const call: RequestedCall = { prompt };
  if (request.temperature != null) call.temperature = request.temperature;
  if (request.top_p != null) call.topP = request.top_p;
  const responseFormat = toResponseFormat(request.text?.format);
  if (responseFormat !== undefined) call.responseFormat = responseFormat;
  const tools = request.tools ?? [];
  if (tools.length > 0) {
    call.tools = tools.map((tool) => ({
      name: tool.name,
      ...(tool.description == null ? {} : { description: tool.description }),
      // A function without parameters takes none.
      inputSchema: tool.parameters ?? { type: "object", properties: {} },
    }));
    const choice = request.tool_choice;
    if (choice != null) call.toolChoice = typeof choice === "string" ? choice : { type: "tool", toolName: choice.name };
    if (request.parallel_tool_calls === false) call.parallelToolCalls = false;
  }
  return call;
}

/** An assistant message's text and its calls are separate items here; the port takes one message for a step. */
function pushAssistant(prompt: PromptMessage[], parts: readonly (TextPart | ToolCallPart)[]): void {
  const previous = prompt.at(-1);
  if (previous?.role === "assistant")
    prompt[prompt.length - 1] = { role: "assistant", content: [...previous.content, ...parts] };
  else prompt.push({ role: "assistant", content: parts });
}

function textParts(content: readonly { text: string }[]): TextPart[] {
  return content.filter((part) => part.text !== "").map((part) => ({ type: "text", text: part.text }));
}

function toResponseFormat(format: NonNullable<ResponseRequest["text"]>["format"]): ResponseFormat | undefined {
  if (format == null) return undefined;
  if (format.type === "text") return { type: "text" };
  if (format.type === "json_object") return { type: "json" };
  return { type: "json", schema: format.schema, name: format.name };
}

/** Where in the request an option of the port's call came from, so a model's refusal names what was sent. */
export function toResponseField(option: string): string {
  const path = option.replace(/\[(\d+)\]/g, ".$1");
  const rules: [RegExp, string][] = [
    [/^tools\.(\d+)\.inputSchema/, "tools.$1.parameters"],
    [/^toolChoice\.toolName/, "tool_choice.name"],
    [/^toolChoice/, "tool_choice"],
    [/^responseFormat\.schema/, "text.format.schema"],
    [/^responseFormat/, "text.format"],
    [/^maxOutputTokens/, "max_output_tokens"],
    [/^topP/, "top_p"],
    // Items merge into prompt messages: prompt indices are not the items'.
    [/^prompt.*$/, "input"],
  ];
  for (const [pattern, replacement] of rules) if (pattern.test(path)) return path.replace(pattern, replacement);
  return path;
}

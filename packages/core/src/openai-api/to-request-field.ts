import type { ChatCompletionRequest } from "./chat-completion-request.ts";

/**
 * Where in the request an option of the port's call (`tools[0].inputSchema.properties.a.pattern`)
 * came from (`tools.0.function.parameters.properties.a.pattern`), so a model's refusal of it names
 * the field the client sent.
 */
export function toRequestField(option: string, request: ChatCompletionRequest): string {
  const path = option.replace(/\[(\d+)\]/g, ".$1");
  const schemaField =
    request.response_format?.type === "json_schema" ? "response_format.json_schema.schema" : "response_format.schema";
  const rules: [RegExp, string][] = [
    [/^tools\.(\d+)\.inputSchema/, "tools.$1.function.parameters"],
    [/^tools\.(\d+)\.(name|description)/, "tools.$1.function.$2"],
    [/^toolChoice\.toolName/, "tool_choice.function.name"],
    [/^toolChoice/, "tool_choice"],
    [/^responseFormat\.schema/, schemaField],
    [/^responseFormat/, "response_format"],
    [/^stopSequences/, "stop"],
    [/^maxOutputTokens/, "max_tokens"],
    [/^topP/, "top_p"],
    [/^topK/, "top_k"],
    [/^minP/, "min_p"],
    [/^repeatPenalty/, "repeat_penalty"],
    // Tool results of one step are merged into one prompt message: prompt indices are not the messages'.
    [/^prompt.*$/, "messages"],
  ];
  for (const [pattern, replacement] of rules) if (pattern.test(path)) return path.replace(pattern, replacement);
  return path;
}

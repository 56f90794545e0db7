/**
 * @module What one call asks of llama.cpp, worked out and checked before anything is generated: plain
 * text, JSON under a grammar, tools offered through node-llama-cpp's function calling, or one tool
 * call forced by a grammar. Whatever cannot be honoured is refused here, before the first part.
 */
import type { ChatModelFunctions, GbnfJsonSchema, LlamaGrammar } from "node-llama-cpp";
import type { CallOptions, ToolDefinition } from "../spec/language-model.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { forcedCallSchema } from "./forced-tool-call.ts";
import type { GrammarCache } from "./grammar-cache.ts";
import { toGbnfJsonSchema } from "./to-gbnf-json-schema.ts";

/** A tool with its input schema in node-llama-cpp's words. */
export interface PlannedTool {
  name: string;
  description?: string;
  /** The schema as the caller gave it, shown to the model when a call is forced. */
  inputSchema: ToolDefinition["inputSchema"];
  params: GbnfJsonSchema;
}

export type CallPlan =
  | { kind: "text" }
  | { kind: "json"; grammar: LlamaGrammar }
  | { kind: "tools"; functions: ChatModelFunctions; isOneCallOnly: boolean }
  | { kind: "forced-tool-call"; grammar: LlamaGrammar; tools: readonly PlannedTool[] };

/** Tool names as OpenAI accepts them; they go into grammars and prompts verbatim. */
const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_TOOLS = 128;
/** Characters of one schema's JSON: its grammar is built on the event loop. */
const MAX_SCHEMA_LENGTH = 65_536;

export async function planCall(options: CallOptions, grammars: GrammarCache): Promise<CallPlan> {
  const tools = offeredTools(options);
  const format = options.responseFormat;
  if (format !== undefined && format.type !== "text" && format.type !== "json")
    refuse("responseFormat.type", 'must be "text" or "json".');
  const isJson = format?.type === "json";
  if (isJson && tools.length > 0)
    refuse(
      "responseFormat",
      'cannot be combined with tools on llama.cpp: node-llama-cpp constrains a reply with one grammar, either JSON or its tool calls. Send toolChoice "none" or no response format.',
    );
  if (isJson) {
    const schema = format.schema;
    if (schema === undefined) return { kind: "json", grammar: await grammars.forAnyJson() };
    checkSize(schema, "responseFormat.schema");
    return { kind: "json", grammar: await grammars.forJsonSchema(toGbnfJsonSchema(schema, "responseFormat.schema")) };
  }
  if (tools.length === 0) return { kind: "text" };
  const choice = options.toolChoice ?? "auto";
  if (choice === "auto") {
    const functions: ChatModelFunctions = Object.fromEntries(
      tools.map((tool) => [
        tool.name,
        { ...(tool.description === undefined ? {} : { description: tool.description }), params: tool.params },
      ]),
    );
    return { kind: "tools", functions, isOneCallOnly: options.parallelToolCalls === false };
  }
  const forced = typeof choice === "object" ? tools.filter((tool) => tool.name === choice.toolName) : tools;
  return { kind: "forced-tool-call", grammar: await grammars.forJsonSchema(forcedCallSchema(forced)), tools: forced };
}

/** The tools the model may call under `toolChoice`, checked and converted; none for "none". */
function offeredTools(options: CallOptions): PlannedTool[] {
  const tools = options.tools ?? [];
  const choice = options.toolChoice ?? "auto";
  if (!Array.isArray(tools)) refuse("tools", "must be an array.");
  if (tools.length > MAX_TOOLS) refuse("tools", `holds ${tools.length} tools; at most ${MAX_TOOLS} are accepted.`);
  if (choice === "none") return [];
  if (choice === "required" && tools.length === 0) refuse("toolChoice", 'is "required", but no tools were given.');
  if (typeof choice === "object") {
    if (choice.type !== "tool" || typeof choice.toolName !== "string")
      refuse("toolChoice", 'must be "auto", "none", "required" or {type: "tool", toolName}.');
    if (!tools.some((tool) => tool.name === choice.toolName))
      refuse(
        "toolChoice.toolName",
        `names ${JSON.stringify(choice.toolName)}, which is not among the tools (${tools.map((tool) => tool.name).join(", ") || "none"}).`,
      );
  } else if (choice !== "auto" && choice !== "required") {
    refuse("toolChoice", 'must be "auto", "none", "required" or {type: "tool", toolName}.');
  }
  const names = new Set<string>();
  return tools.map((tool, index) => {
    const path = `tools[${index}]`;
    if (typeof tool.name !== "string" || !TOOL_NAME.test(tool.name))
      refuse(`${path}.name`, "must be 1 to 64 letters, digits, underscores or dashes.");
    if (names.has(tool.name)) refuse(`${path}.name`, `repeats the name ${JSON.stringify(tool.name)}.`);
    names.add(tool.name);
    if (tool.description !== undefined && typeof tool.description !== "string")
      refuse(`${path}.description`, "must be a string.");
    return {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      inputSchema: tool.inputSchema,
      params: toParams(tool.inputSchema, `${path}.inputSchema`),
    };
  });
}

/** A tool's arguments are an object: a schema that says nothing more describes any object. */
function toParams(schema: unknown, path: string): GbnfJsonSchema {
  checkSize(schema, path);
  const isBare =
    typeof schema === "object" &&
    schema !== null &&
    !["type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const"].some((keyword) => keyword in schema);
  const params = toGbnfJsonSchema(isBare ? { ...schema, type: "object" } : schema, path);
  if (!("type" in params) || params.type !== "object") refuse(path, 'must describe an object (`"type": "object"`).');
  return params;
}

function checkSize(schema: unknown, path: string): void {
  const length = jsonLength(schema, path);
  if (length > MAX_SCHEMA_LENGTH)
    refuse(path, `is ${length} characters of JSON; at most ${MAX_SCHEMA_LENGTH} are accepted.`);
}

function jsonLength(schema: unknown, path: string): number {
  try {
    return JSON.stringify(schema)?.length ?? 0;
  } catch {
    // Nesting deep enough to overflow the stack (or a cycle): nothing a grammar could be built from.
    return refuse(path, "cannot be read as JSON: it nests too deeply.");
  }
}

function refuse(option: string, reason: string): never {
  throw new UnsupportedCallOptionError(option, reason);
}

import type { Queryable } from "@hearth/db";
import type { ContextWindow, ToolDefinition } from "@hearth/engine/spec";
import type { ToolRunSettings } from "../tools/run-tool.ts";
import type { ToolContext } from "../tools/tool.ts";
import type { RegisteredTool, ToolRegistry } from "../tools/tool-registry.ts";
import { enabledTools } from "./enabled-tools.ts";

/** How replies run tools, as configured. */
export interface ToolLoopSettings extends ToolRunSettings {
  /** Model calls per reply, the first included; the last one may not call a tool. At least 2. */
  maxSteps: number;
}

/** The tools one reply may call, and what running them needs. */
export interface ReplyTools {
  enabled: ReadonlyMap<string, RegisteredTool>;
  definitions: ToolDefinition[];
  choice: "auto" | "required";
  context: Omit<ToolContext, "abortSignal">;
  settings: ToolLoopSettings;
  /** What the definitions are taken to add to each prompt, in tokens (an estimate that never runs short). */
  definitionTokens: number;
}

/** The time zone tools get until accounts hold one (they hold none yet). */
const DEFAULT_TIME_ZONE = "UTC";

/**
 * The conversation's enabled tools for a reply, or undefined when it has none (the reply is one
 * model call, as before tools).
 */
export async function prepareReplyTools(
  db: Queryable,
  conversationId: string,
  registry: ToolRegistry,
  settings: ToolLoopSettings,
  window: ContextWindow,
): Promise<ReplyTools | undefined> {
  const { rows } = await db.query<{ owner_id: string; tools: string[]; tool_choice: "auto" | "required" }>(
    "SELECT owner_id, tools, tool_choice FROM conversations WHERE id = $1",
    [conversationId],
  );
  const row = rows[0];
  if (row === undefined || row.tools.length === 0) return undefined;
  const enabled = enabledTools(registry, row.tools);
  if (enabled.size === 0) return undefined;
  const definitions = [...enabled.values()].map(({ tool }) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
  }));
  return {
    enabled,
    definitions,
    choice: row.tool_choice,
    context: { userId: row.owner_id, timeZone: DEFAULT_TIME_ZONE },
    settings,
    definitionTokens: await estimateDefinitionTokens(window, definitions),
  };
}

/**
 * Instructions as long as the longest that templates put around tool definitions (node-llama-cpp's
 * generic function-calling text; Qwen 2.5's is shorter), counted in the model's own tokens so the
 * allowance scales with its tokenizer.
 */
const INSTRUCTIONS_SAMPLE =
  "The assistant calls the provided functions as needed to retrieve information instead of relying on existing " +
  "knowledge. To fulfill a request, the assistant calls relevant functions in advance when needed before responding " +
  "to the request, and does not tell the user prior to calling a function. Provided functions: ```typescript ``` " +
  "Calling any of the provided functions can be done like this: ||call: getSomeInfo({someKey: someValue}) Note that " +
  "the || prefix is mandatory. The assistant does not inform the user about using functions and does not explain " +
  "anything before calling a function. After calling a function, the raw result appears afterwards and is not part " +
  "of the conversation. To make information be part of the conversation, the assistant paraphrases and repeats the " +
  "information without the function syntax.";

/**
 * The spec counts prompts without tools, and a template renders definitions inside instructions.
 * Measured on node-llama-cpp's ChatML emulation and Qwen 2.5's template, the definitions took at most
 * 1.1 times the tokens of their JSON, and the instructions at most those of INSTRUCTIONS_SAMPLE:
 * 1.5 times plus the sample leaves room. Wasted room beats a context that overflows mid-reply.
 */
async function estimateDefinitionTokens(window: ContextWindow, definitions: ToolDefinition[]): Promise<number> {
  const json = await window.countMessageTokens({ role: "system", content: JSON.stringify(definitions) });
  const instructions = await window.countMessageTokens({ role: "system", content: INSTRUCTIONS_SAMPLE });
  return Math.ceil(1.5 * json) + instructions;
}

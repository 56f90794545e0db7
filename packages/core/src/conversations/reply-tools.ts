import type { Queryable } from "@hearth/db";
import type { ToolDefinition } from "@hearth/engine/spec";
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
}

/**
 * The conversation's enabled tools for a reply, with the `extra` ones Hearth adds itself (memory's
 * remember), or undefined when there are none (the reply is one model call, as before tools).
 */
export async function prepareReplyTools(
  db: Queryable,
  conversationId: string,
  registry: ToolRegistry,
  settings: ToolLoopSettings,
  extra: readonly RegisteredTool[] = [],
): Promise<ReplyTools | undefined> {
  const { rows } = await db.query<{
    owner_id: string;
    tools: string[];
    tool_choice: "auto" | "required";
    time_zone: string;
  }>(
    `SELECT c.owner_id, c.tools, c.tool_choice, u.time_zone
     FROM conversations c JOIN users u ON u.id = c.owner_id WHERE c.id = $1`,
    [conversationId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const enabled = enabledTools(registry, row.tools);
  const hasOwnTools = enabled.size > 0;
  for (const added of extra) if (!enabled.has(added.tool.name)) enabled.set(added.tool.name, added);
  if (enabled.size === 0) return undefined;
  const definitions = [...enabled.values()].map(({ tool }) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema,
  }));
  return {
    enabled,
    definitions,
    // "required" is the conversation's wish for its own tools: Hearth's never force a call.
    choice: hasOwnTools ? row.tool_choice : "auto",
    context: { userId: row.owner_id, timeZone: row.time_zone },
    settings,
  };
}

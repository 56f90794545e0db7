import { fail, ok, type Result, unwrap } from "../problems.ts";
import type { RegisteredTool, ToolRegistry } from "../tools/tool-registry.ts";
import { type ConversationsProblem, conversationsProblems } from "./problems.ts";

/** The names a conversation asks for, once each and in order, or `unknown-tool` naming the ones there are not. */
function checkToolNames(registry: ToolRegistry, names: readonly string[]): Result<string[], ConversationsProblem> {
  const unknown = names.filter((name) => registry.get(name) === undefined);
  if (unknown.length > 0) return fail(conversationsProblems.unknownTool([...new Set(unknown)], registry.names()));
  return ok([...new Set(names)]);
}

/** The input with its tool names checked against the registry (each once), or `unknown-tool` raised. */
export function withKnownTools<T extends { tools?: string[] | undefined }>(registry: ToolRegistry, input: T): T {
  if (input.tools === undefined) return input;
  return { ...input, tools: unwrap(checkToolNames(registry, input.tools)) };
}

/**
 * The registered tools among a conversation's names. A name no longer registered (a plugin removed
 * since) is left out: replies go on with the tools there are.
 */
export function enabledTools(registry: ToolRegistry, names: readonly string[]): Map<string, RegisteredTool> {
  const enabled = new Map<string, RegisteredTool>();
  for (const name of names) {
    const registered = registry.get(name);
    if (registered !== undefined) enabled.set(name, registered);
  }
  return enabled;
}

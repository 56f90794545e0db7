import { z } from "zod";
import type { Tool } from "./tool.ts";

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A registered tool with its input schema compiled once. */
export interface RegisteredTool {
  tool: Tool;
  /** Checks an input against the tool's JSON Schema. */
  inputSchema: z.ZodType;
}

/** A tool with its name checked and its input schema compiled; throws for a broken one. */
export function compileTool(tool: Tool): RegisteredTool {
  if (!NAME.test(tool.name))
    throw new Error(`A tool name must be 1–64 letters, digits, _ or -; got ${JSON.stringify(tool.name)}.`);
  if (tool.inputSchema.type !== "object") throw new Error(`The input schema of ${tool.name} must be an object schema.`);
  const inputSchema = z.fromJSONSchema(tool.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  return { tool, inputSchema };
}

/**
 * The tools conversations may enable: the seam that built-in tools now, and plugins, MCP servers and
 * workflows later, plug into. Names are unique; a schema is compiled when its tool is registered, so
 * a broken schema fails at start rather than at the first call.
 */
export class ToolRegistry {
  readonly #tools = new Map<string, RegisteredTool>();

  register(tool: Tool): this {
    if (this.#tools.has(tool.name)) throw new Error(`A tool named ${tool.name} is registered already.`);
    this.#tools.set(tool.name, compileTool(tool));
    return this;
  }

  /** Every tool, in the order they were registered. */
  list(): Tool[] {
    return [...this.#tools.values()].map((entry) => entry.tool);
  }

  get(name: string): RegisteredTool | undefined {
    return this.#tools.get(name);
  }

  names(): string[] {
    return [...this.#tools.keys()];
  }
}

import type { JsonSchema } from "@hearth/engine/spec";

/** What a tool knows of the call it runs for. */
export interface ToolContext {
  /** The user whose conversation made the call. */
  userId: string;
  /** The user's IANA time zone (UTC where none is known). */
  timeZone: string;
  /** Aborted when the reply is stopped or the call runs out of time: a long tool should stop then. */
  abortSignal: AbortSignal;
}

/**
 * Something a model may call during a reply. Built-in tools, and later plugins, MCP servers and
 * workflows, all plug in as this shape through the ToolRegistry.
 */
export interface Tool {
  /** Letters, digits, `_` and `-` (what every provider's function names accept). */
  name: string;
  /** Tells the model what the tool does and when to call it. */
  description: string;
  /** JSON Schema of the input, an object schema; the input is checked against it before `run`. */
  inputSchema: JsonSchema;
  /**
   * Runs the tool on input that passed the schema. The result is text told to the model (JSON for
   * structured results). A throw becomes an error result the model reads.
   */
  run(input: unknown, context: ToolContext): Promise<string>;
}

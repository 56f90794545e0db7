import type { Database } from "@hearth/db";
import type { Clock } from "../clock.ts";
import type { Tool } from "../tools/tool.ts";
import { compileTool, type RegisteredTool } from "../tools/tool-registry.ts";
import { MAX_MEMORY_CHARS } from "./schema.ts";
import { createMemory } from "./service.ts";

export const REMEMBER_TOOL = "remember";

/** Where a remember call saves: the reply it is made in, and whether its user saves proposals at once. */
export interface RememberTarget {
  userId: string;
  conversationId: string;
  messageId: string;
  autoSave: boolean;
}

const CONTROL_CHARACTERS = /\p{Cc}+/gu;

/**
 * The `remember` tool a reply with memory on may call: it keeps a short fact about the user, saved
 * at once with automatic saving on, otherwise proposed for the user to save or dismiss. The fact is
 * model output: cleaned to one line of plain text and bounded before it is stored.
 */
export function rememberTool(db: Database, clock: Clock, target: RememberTarget): RegisteredTool {
  const tool: Tool = {
    name: REMEMBER_TOOL,
    description:
      "Saves a short fact about the user for later conversations: a lasting preference, circumstance or project " +
      "they told you, or anything they ask you to remember. One fact per call, one sentence about the user. Never " +
      "save passwords, secrets or one-off details.",
    inputSchema: {
      type: "object",
      properties: {
        fact: { type: "string", minLength: 1, maxLength: MAX_MEMORY_CHARS, description: "The fact, one sentence." },
      },
      required: ["fact"],
      additionalProperties: false,
    },
    async run(input) {
      const fact = (input as { fact: string }).fact.replace(CONTROL_CHARACTERS, " ").replace(/\s+/g, " ").trim();
      if (fact.length === 0) throw new Error("The fact is empty: give one sentence about the user.");
      const kept = await createMemory(
        db,
        target.userId,
        {
          content: fact,
          status: target.autoSave ? "saved" : "proposed",
          source: "model",
          conversationId: target.conversationId,
          messageId: target.messageId,
        },
        clock.now(),
      );
      if (!kept.ok) throw new Error("The user's memory is full: nothing was saved.");
      const { memory, outcome } = kept.value;
      // The memory's id lets the app offer to save or dismiss it where the call is shown.
      if (outcome === "unchanged" && memory.status === "saved")
        return JSON.stringify({ status: "known already", memoryId: memory.id });
      return JSON.stringify({
        status: memory.status === "saved" ? "saved" : "proposed to the user, who decides whether to save it",
        memoryId: memory.id,
      });
    },
  };
  return compileTool(tool);
}

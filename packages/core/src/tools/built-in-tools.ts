import type { Clock } from "../clock.ts";
import { calculator } from "./calculator.ts";
import { currentTimeTool } from "./current-time.ts";
import type { Tool } from "./tool.ts";

/** The tools every Hearth has, before plugins add theirs. */
export function builtInTools(clock: Clock): Tool[] {
  return [calculator, currentTimeTool(clock)];
}

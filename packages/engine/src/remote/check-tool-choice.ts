import type { CallOptions } from "../spec/language-model.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";

/**
 * Refuses a tool choice that cannot be met whatever the provider: one that asks for a call when the
 * call has no tools, or names a tool it does not have. Servers answer both with a bare 400 or ignore
 * them; this says which option is wrong.
 */
export function checkToolChoice(options: CallOptions): void {
  const choice = options.toolChoice;
  if (choice === undefined || choice === "auto" || choice === "none") return;
  const names = (options.tools ?? []).map((tool) => tool.name);
  if (names.length === 0)
    throw new UnsupportedCallOptionError(
      "toolChoice",
      "A tool choice that asks for a call needs tools; the call has none.",
    );
  if (typeof choice === "object" && !names.includes(choice.toolName))
    throw new UnsupportedCallOptionError(
      "toolChoice.toolName",
      `No tool is named ${choice.toolName}; the call's tools are ${names.join(", ")}.`,
    );
}

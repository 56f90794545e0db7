import type { Command } from "commander";

/**
 * Registers `hearth chat`. A placeholder of the CLI foundation: helper cli-chat owns this file and
 * replaces it with the command.
 */
export function registerChat(_program: Command): void {}

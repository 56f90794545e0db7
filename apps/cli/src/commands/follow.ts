import type { Command } from "commander";

/**
 * Registers `hearth follow`. A placeholder of the CLI foundation: helper cli-chat owns this file and
 * replaces it with the command.
 */
export function registerFollow(_program: Command): void {}

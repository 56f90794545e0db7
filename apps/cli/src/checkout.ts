/**
 * @module
 * The Hearth checkout this command runs from, for the commands that need the server's own code
 * (serve, config): an installed `hearth` bin without one talks to servers only.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CliError } from "./errors.ts";

// From apps/cli/src (sources) or apps/cli/dist (the bundle), the checkout is three folders up.
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The checkout's root folder (holding scripts/start.mjs), or a CliError naming the command that needs it. */
export function checkoutRoot(commandName: string): string {
  if (existsSync(`${ROOT}scripts/start.mjs`) && existsSync(`${ROOT}apps/server/src/config.ts`)) return ROOT;
  throw new CliError(`hearth ${commandName} runs in a Hearth checkout, and none was found around this command`);
}

/**
 * The server's configuration module (apps/server/src/config.ts), loaded through tsx: the server's
 * packages use TypeScript that Node's type stripping does not run.
 */
export async function importServerConfig(commandName: string): Promise<typeof import("../../server/src/config.ts")> {
  const root = checkoutRoot(commandName);
  const { tsImport } = await import("tsx/esm/api");
  return tsImport(`${root}apps/server/src/config.ts`, import.meta.url);
}

import { spawn } from "node:child_process";
import { constants } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { checkoutRoot } from "../checkout.ts";

/**
 * `hearth serve [flags…]`: what `npm start` runs (install what is missing, build, start the server),
 * with the server's own flags passed through: `hearth serve --port 3000 --data-dir ./data`.
 */
export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("start the server, as npm start does; the server's flags pass through (hearth serve --help)")
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .argument("[flags...]", "the server's flags: --port, --host, --data-dir, --models-dir, --log-level …")
    .action(async (flags: string[]) => {
      process.exitCode = await runServer(join(checkoutRoot("serve"), "scripts/start.mjs"), flags);
    });
}

/** Runs the start script with this Node; signals reach it, and its exit status becomes ours. */
async function runServer(script: string, flags: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [script, ...flags], { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, forward);
  const [code, signal] = (await new Promise((resolve) => child.on("exit", (...outcome) => resolve(outcome)))) as [
    number | null,
    NodeJS.Signals | null,
  ];
  if (signal !== null) return 128 + (constants.signals[signal] ?? 1);
  return code ?? 1;
}

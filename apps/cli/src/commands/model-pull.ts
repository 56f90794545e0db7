import { type components, followModelPull, type HearthClient, type ModelPull, unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { commandContext } from "../context.ts";
import { CliError, describeError } from "../errors.ts";
import { formatBytes, type Output, printable } from "../output.ts";
import { PullProgress } from "../pull-progress.ts";

type StartModelPull = components["schemas"]["StartModelPull"];

interface PullOptions {
  fileName?: string;
  sha256?: string;
  detach?: boolean;
}

const DETAILS = `
The server checks the source answers, that no model of that name exists and that the disk has room,
then downloads in the background. Progress goes to stderr (a bar on a terminal, a line per tenth
otherwise); the model's id goes to stdout once it is there. Ctrl+C cancels the pull on the server
(a second Ctrl+C stops waiting for it to end); --detach leaves it running and prints its id.

Examples:
  hearth models pull hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M
  hearth models pull hf:user/repo/model.Q5_K_M.gguf --file-name model.gguf --sha256 <64 hex digits>
  hearth models pull https://example.com/models/model.gguf --detach`;

/** `hearth models pull`: pulls a model into the server's models dir and follows it to the end. */
export function registerModelPull(models: Command): void {
  models
    .command("pull")
    .description("pull a GGUF model into the server's models dir (admins), showing its progress")
    .argument("<source>", "hf:user/repo:QUANT, hf:user/repo/file.gguf, or an http(s) URL of a .gguf file")
    .option("--file-name <name>", "store it under this file name (ending in .gguf) instead of the source's")
    .option("--sha256 <hex>", "the file's SHA-256, checked once downloaded: a mismatch keeps nothing")
    .option("--detach", "print the pull's id and leave it running (hearth models pulls shows it)")
    .addHelpText("after", DETAILS)
    .action(async (source: string, options: PullOptions, command: Command) => {
      const { output, hearth } = commandContext(command);
      const body: StartModelPull = {
        source,
        ...(options.fileName === undefined ? {} : { fileName: options.fileName }),
        ...(options.sha256 === undefined ? {} : { sha256: options.sha256 }),
      };
      if (options.detach) {
        const pull = unwrap(await hearth.api.POST("/api/admin/models/pulls", { body }));
        output.result(pull, () => {
          output.info(
            `Pulling ${printable(source)} as ${printable(pull.modelId)}; hearth models pulls shows how it goes.`,
          );
          output.line(pull.id);
        });
        return;
      }
      const end = await pullToEnd(hearth, output, body);
      if (output.isJson) output.json(end.pull);
      if (end.pull.status !== "done") throw new CliError(describeUnfinished(end.pull, end.wasInterrupted));
      if (output.isJson) return;
      const verified = end.pull.sha256 === null ? "" : `, sha256 ${end.pull.sha256}`;
      output.info(
        `Pulled ${printable(source)}: ${formatBytes(end.pull.totalBytes)} in ${printable(end.pull.fileName)}${verified}.`,
      );
      output.line(end.pull.modelId);
    });
}

/**
 * Starts the pull and follows it to its end, showing its progress. Ctrl+C cancels it on the server
 * (pressed before the server answered, once it has) and following goes on to show it ended; a second
 * Ctrl+C, or a cancel that fails, stops waiting at once.
 */
async function pullToEnd(
  hearth: HearthClient,
  output: Output,
  body: StartModelPull,
): Promise<{ pull: ModelPull; wasInterrupted: boolean }> {
  const stop = new AbortController();
  const progress = new PullProgress();
  let pullId: string | undefined;
  let interrupts = 0;
  const cancel = (id: string) => {
    progress.finish();
    output.info("Cancelling the pull…");
    void cancelOnServer(hearth, id).then((failure) => {
      if (failure !== undefined) stop.abort(failure);
    });
  };
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) stop.abort(new CliError("stopped waiting (Ctrl+C twice)"));
    else if (pullId !== undefined) cancel(pullId);
  };
  process.on("SIGINT", onInterrupt);
  try {
    const started = unwrap(await hearth.api.POST("/api/admin/models/pulls", { body, signal: stop.signal }));
    pullId = started.id;
    output.info(
      `Pulling ${printable(started.source)} (${formatBytes(started.totalBytes)}) as ${printable(started.modelId)}; Ctrl+C cancels.`,
    );
    if (interrupts > 0) cancel(started.id);
    const pull = await followModelPull(hearth, started.id, {
      signal: stop.signal,
      onProgress: (each) => progress.show(each),
    }).catch((error: unknown) => {
      // Following stopped, not the pull: say where to find it.
      const reason = stop.signal.aborted ? stop.signal.reason : error;
      throw new CliError(
        `${describeError(reason)}; the pull may go on: hearth models pulls shows it, hearth models cancel ${started.id} stops it`,
        { cause: reason },
      );
    });
    if (pull.status === "done") progress.show(pull);
    return { pull, wasInterrupted: interrupts > 0 };
  } finally {
    process.off("SIGINT", onInterrupt);
    progress.finish();
  }
}

/** Cancels the pull; answers why that failed, or undefined (a pull that had just ended is no failure: following shows how). */
async function cancelOnServer(hearth: HearthClient, pullId: string): Promise<unknown> {
  try {
    const { error } = await hearth.api.DELETE("/api/admin/models/pulls/{id}", { params: { path: { id: pullId } } });
    if (error === undefined || error.code === "model-pull-finished") return undefined;
    return new CliError(`could not cancel the pull: ${printable(error.detail)} (${error.code})`);
  } catch (error) {
    return error;
  }
}

/** Why a pull that did not end `done` fails the command, on one line. */
function describeUnfinished(pull: ModelPull, wasInterrupted: boolean): string {
  if (pull.status === "failed") return `the pull failed: ${printable(pull.error ?? "no reason given")}`;
  const how = wasInterrupted ? " (Ctrl+C)" : "";
  return `the pull was cancelled${how}; what it downloaded is deleted`;
}

import type { ToolContext } from "./tool.ts";
import type { RegisteredTool } from "./tool-registry.ts";

export interface ToolRunSettings {
  /** A call still running after this long is stopped and told to the model as an error. */
  timeoutMs: number;
  /** Output past this many UTF-8 bytes is cut, with a note saying so. */
  outputBytes: number;
}

/** A call as the model made it: its input is the JSON text the model wrote. */
export interface ToolCallRequest {
  toolName: string;
  input: string;
}

/** What the model is told of a call. */
export interface ToolRunResult {
  output: string;
  isError: boolean;
}

/** The longest error message passed on from a tool. */
const MAX_ERROR_LENGTH = 2000;

/**
 * Runs one call of a model: finds the tool among those enabled, parses and checks the input against
 * the tool's schema, runs it with a timeout and caps its output. Any failure (an unknown tool, input
 * that is not JSON or breaks the schema, a throw, a timeout, a stop) is a result with `isError`, in
 * words the model can act on; this never rejects. `abortSignal` stops the call: the tool's own signal
 * aborts, and the result is given without waiting for a tool that ignores it.
 */
export async function runTool(
  enabled: ReadonlyMap<string, RegisteredTool>,
  call: ToolCallRequest,
  context: Omit<ToolContext, "abortSignal">,
  settings: ToolRunSettings,
  abortSignal: AbortSignal,
): Promise<ToolRunResult> {
  const failed = (message: string): ToolRunResult => ({
    output: capBytes(clean(message).slice(0, MAX_ERROR_LENGTH), settings.outputBytes),
    isError: true,
  });
  const registered = enabled.get(call.toolName);
  if (registered === undefined) {
    const names = [...enabled.keys()];
    return failed(
      `There is no tool named ${JSON.stringify(call.toolName)}. ${names.length === 0 ? "No tools are enabled." : `Tools: ${names.join(", ")}.`}`,
    );
  }
  let input: unknown;
  try {
    // Some providers send no text at all for a call without arguments.
    input = call.input.trim() === "" ? {} : JSON.parse(call.input);
  } catch (error) {
    return failed(`The input is not valid JSON (${messageOf(error)}): ${call.input.slice(0, 200)}`);
  }
  const checked = registered.inputSchema.safeParse(input);
  if (!checked.success) {
    const issues = checked.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`);
    return failed(`The input does not match the tool's schema: ${issues.join("; ")}.`);
  }
  const outcome = await runWithin(registered, input, { ...context, abortSignal }, settings.timeoutMs);
  if (!outcome.ok) return failed(outcome.error);
  if (typeof outcome.output !== "string") return failed("The tool gave no text as its result.");
  return { output: capBytes(clean(outcome.output), settings.outputBytes), isError: false };
}

type Outcome = { ok: true; output: unknown } | { ok: false; error: string };

async function runWithin(registered: RegisteredTool, input: unknown, context: ToolContext, timeoutMs: number) {
  const { tool } = registered;
  const caller = context.abortSignal;
  const controller = new AbortController();
  const timedOut = Symbol("timed out");
  const timer = setTimeout(() => controller.abort(timedOut), timeoutMs);
  const onAbort = () => controller.abort(caller.reason);
  if (caller.aborted) onAbort();
  else caller.addEventListener("abort", onAbort, { once: true });
  const stopped = new Promise<Outcome>((resolve) => {
    const settle = () =>
      resolve({
        ok: false,
        error:
          controller.signal.reason === timedOut
            ? `The tool ${tool.name} did not finish within ${timeoutMs / 1000} s.`
            : `The tool ${tool.name} was stopped.`,
      });
    if (controller.signal.aborted) settle();
    else controller.signal.addEventListener("abort", settle, { once: true });
  });
  try {
    // Run through a promise so that a tool throwing synchronously fails like one that rejects.
    const running = Promise.resolve()
      .then(() => tool.run(input, { ...context, abortSignal: controller.signal }))
      .then(
        (output): Outcome => ({ ok: true, output }),
        (error: unknown): Outcome => ({ ok: false, error: `The tool ${tool.name} failed: ${messageOf(error)}` }),
      );
    return await Promise.race([stopped, running]);
  } finally {
    clearTimeout(timer);
    caller.removeEventListener("abort", onAbort);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** PostgreSQL's text and jsonb cannot hold NUL, and the result is stored with the reply. */
function clean(text: string): string {
  return text.replaceAll("\u0000", "");
}

/** `text` cut to `maxBytes` of UTF-8, note included, never in the middle of a character. */
export function capBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= maxBytes) return text;
  const note = `\n[cut: the output was ${bytes.length} bytes, over the limit of ${maxBytes}]`;
  const room = Math.max(0, maxBytes - Buffer.byteLength(note));
  // Decoding a cut sequence gives U+FFFD: drop it, so no half character is kept.
  const kept = bytes
    .subarray(0, room)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
  return `${kept}${note}`;
}

import { createHearthClient, followConversation, unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { ConnectionWatch } from "../chat/connection-watch.ts";
import { EventPrinter } from "../chat/event-printer.ts";
import { commandContext } from "../context.ts";
import { CliError, describeError, UsageError } from "../errors.ts";
import { printable } from "../output.ts";

interface FollowOptions {
  after?: string;
}

/**
 * Reconnections that may fail in a row before following gives up on the server: each try is 3
 * connection attempts over about 3 s, so about a minute and a half, for a server that restarts.
 */
const MAX_FAILED_CONNECTS = 90;

const DETAILS = `
Prints the conversation's events as they happen until Ctrl+C, or until the server closes the stream
(the session or API key ended: exit 1). A dropped connection is resumed where it stopped, without
missing or repeating an event (a note on stderr says so). With --json, one event per line (NDJSON):
{"id":…,"type":"message.delta","data":{…}}.`;

/** `hearth follow <conversation>`: a conversation's events, live. */
export function registerFollow(program: Command): void {
  program
    .command("follow")
    .description("print a conversation's events live (replies as they stream), resuming after a dropped connection")
    .argument("<conversation>", "the conversation's id")
    .option("--after <event-id>", "start after this event (0: every event the server still keeps)")
    .addHelpText("after", DETAILS)
    .action(async (conversationId: string, options: FollowOptions, command: Command) => {
      const { output, connection, globals } = commandContext(command);
      const lastEventId = parseEventId(options.after);
      const watch = new ConnectionWatch({
        maxFailedConnects: MAX_FAILED_CONNECTS,
        onDrop: () => output.info(output.style("yellow", "Connection to the server lost; reconnecting…")),
        onReconnect: () => output.info(output.style("yellow", "Reconnected; resuming after the last event.")),
      });
      const hearth = createHearthClient({
        baseUrl: connection.serverUrl,
        apiKey: connection.apiKey,
        fetch: watch.fetch,
      });
      // Fails at once, with the server's answer, for a server that is not there or a conversation that is not.
      const conversation = unwrap(
        await hearth.api.GET("/api/conversations/{id}", { params: { path: { id: conversationId } } }),
      );
      if (!globals.json)
        output.info(output.style("dim", `Following "${printable(conversation.title)}" (Ctrl+C stops).`));

      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      process.on("SIGINT", onInterrupt);
      const printer = new EventPrinter(output);
      try {
        const events = followConversation(hearth, conversation.id, {
          signal: AbortSignal.any([stop.signal, watch.signal]),
          lastEventId,
        });
        for await (const event of events) {
          if (globals.json) output.write(`${JSON.stringify(event)}\n`);
          else printer.show(event);
          if (event.type === "stream.closed") {
            throw new CliError(`the server closed the event stream: ${printable(event.data.reason)}`);
          }
        }
      } finally {
        process.off("SIGINT", onInterrupt);
        if (!globals.json) printer.finish();
      }
      if (watch.failure !== undefined) {
        const reason = describeError(watch.failure, { serverUrl: connection.serverUrl });
        throw new CliError(`lost the connection and could not resume: ${reason}`, { cause: watch.failure });
      }
    });
}

function parseEventId(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value))
    throw new UsageError(`--after takes an event id (a whole number), not ${JSON.stringify(value)}`);
  return Number(value);
}

import { type components, unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { commandContext } from "../context.ts";

type UsageRow = components["schemas"]["UsageRow"];
type UsageReport = components["schemas"]["UsageReport"];

interface UsageOptions {
  from?: string;
  to?: string;
  by: string;
  all?: boolean;
  user?: string;
  model?: string;
  provider?: string;
  csv?: boolean;
}

const GROUP_HEADERS: Record<string, { header: string[]; cells: (row: UsageRow) => string[] }> = {
  day: { header: ["DAY"], cells: (row) => [row.day ?? ""] },
  user: { header: ["USER"], cells: (row) => [row.username ?? row.userId ?? ""] },
  model: { header: ["MODEL"], cells: (row) => [row.model ?? ""] },
  provider: { header: ["PROVIDER"], cells: (row) => [row.provider ?? ""] },
  source: { header: ["SOURCE"], cells: (row) => [row.source ?? ""] },
};

/** `hearth usage`: what model calls used, summed by day and model (or as asked), as the web app's usage page shows. */
export function registerUsage(program: Command): void {
  program
    .command("usage")
    .description("what your model calls used (tokens, calls, speed), by day and model; admins: anyone's")
    .option("--from <day>", "the first day (YYYY-MM-DD, UTC); default 29 days before --to")
    .option("--to <day>", "the last day (YYYY-MM-DD, UTC); default today")
    .option(
      "--by <groups>",
      "sum by some of day, user, model, provider, source (comma-separated; '' for totals)",
      "day,model",
    )
    .option("--all", "everyone's calls (admins)")
    .option("--user <id>", "one user's calls (admins)")
    .option("--model <id>", "only this model")
    .option("--provider <id>", "only this provider's models")
    .option("--csv", "print the report as CSV")
    .action(async (options: UsageOptions, command: Command) => {
      const { output, hearth } = commandContext(command);
      const query = {
        groupBy: options.by,
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.to === undefined ? {} : { to: options.to }),
        ...(options.all ? { scope: "all" as const } : {}),
        ...(options.user === undefined ? {} : { user: options.user }),
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.provider === undefined ? {} : { provider: options.provider }),
      };
      if (options.csv) {
        const csv = unwrap(
          await hearth.api.GET("/api/usage", { params: { query: { ...query, format: "csv" } }, parseAs: "text" }),
        );
        output.write(String(csv));
        return;
      }
      // JSON unless format=csv: the route's two content types make its answer either in the types.
      const report = unwrap(await hearth.api.GET("/api/usage", { params: { query } })) as UsageReport;
      output.result(report, () => printReport(output, report));
    });
}

function printReport(output: ReturnType<typeof commandContext>["output"], report: UsageReport): void {
  const groups = report.groupBy.map((group) => GROUP_HEADERS[group] ?? { header: [group], cells: () => [""] });
  output.info(`From ${report.from} to ${report.to} (UTC days).`);
  if (report.rows.length === 0) {
    output.info("No model calls in that range.");
    return;
  }
  output.table(
    [...groups.flatMap((group) => group.header), "CALLS", "PROMPT", "COMPLETION", "TOTAL", "FIRST TOKEN", "TOKENS/S"],
    report.rows.map((row) => [
      ...groups.flatMap((group) => group.cells(row)),
      String(row.calls),
      String(row.promptTokens),
      String(row.completionTokens),
      String(row.totalTokens),
      row.avgFirstTokenMs === null ? "-" : `${row.avgFirstTokenMs} ms`,
      row.tokensPerSecond === null ? "-" : String(row.tokensPerSecond),
    ]),
  );
  const { totals } = report;
  output.info(
    `Total: ${totals.calls} calls, ${totals.promptTokens} prompt + ${totals.completionTokens} completion = ${totals.totalTokens} tokens.`,
  );
}

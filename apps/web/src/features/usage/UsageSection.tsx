import { type components, unwrap } from "@hearth/sdk";
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { PageSection } from "../../components/ui/page-section.tsx";
import { TextField } from "../../components/ui/text-field.tsx";
import { client } from "../../lib/client.ts";
import { formatNumber } from "../../lib/i18n.ts";
import { problemMessage } from "../../lib/problem-message.ts";
import { UsageChart } from "./UsageChart.tsx";

type UsageReport = components["schemas"]["UsageReport"];
type UsageRow = components["schemas"]["UsageRow"];

/** A UTC day as YYYY-MM-DD, `days` from today. */
const day = (days = 0) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The report for a range, summed as asked; JSON (the route answers CSV only when asked). */
function useUsage(query: { from: string; to: string; groupBy: string; scope: "mine" | "all" }) {
  return useQuery({
    queryKey: ["usage", query],
    queryFn: async () => unwrap(await client.api.GET("/api/usage", { params: { query } })) as UsageReport,
  });
}

/**
 * What model calls used over a range of days: a chart of tokens per day, by model, the same sums as
 * a table (what a screen reader reads), and a CSV of them to download. `all`: everyone's (admins), with
 * a table by user too.
 */
export function UsageSection({ scope }: { scope: "mine" | "all" }) {
  const { t, i18n } = useTranslation("usage");
  const [range, setRange] = useState({ from: day(-29), to: day() });
  const byDay = useUsage({ ...range, groupBy: "day,model", scope });
  const byUser = useUsage({ ...range, groupBy: "user", scope });
  const tableId = useId();
  const usersId = useId();
  const number = (value: number) => formatNumber(value, i18n.language);
  const csv = `/api/usage?${new URLSearchParams({ ...range, groupBy: "day,model", scope, format: "csv" })}`;
  const report = byDay.data;
  return (
    <PageSection title={t("title")} intro={t(scope === "all" ? "introAll" : "intro")}>
      {scope === "mine" && <OwnRateLimits />}
      <div className="flex flex-wrap items-end gap-4">
        <TextField
          label={t("from")}
          type="date"
          value={range.from}
          max={range.to}
          onChange={(event) => event.target.value && setRange((current) => ({ ...current, from: event.target.value }))}
        />
        <TextField
          label={t("to")}
          type="date"
          value={range.to}
          min={range.from}
          onChange={(event) => event.target.value && setRange((current) => ({ ...current, to: event.target.value }))}
        />
        <a
          href={csv}
          download
          className="inline-flex h-9 items-center rounded-md border border-input px-4 text-sm font-medium hover:bg-accent pointer-coarse:h-11"
        >
          {t("csv")}
        </a>
      </div>
      {byDay.isError && (
        <p role="alert" className="text-sm text-destructive">
          {problemMessage(byDay.error, t)}
        </p>
      )}
      {report !== undefined && (
        <>
          <p className="text-sm">
            {t("totals", {
              calls: number(report.totals.calls),
              tokens: number(report.totals.totalTokens),
              prompt: number(report.totals.promptTokens),
              completion: number(report.totals.completionTokens),
            })}
          </p>
          {report.rows.length === 0 ? (
            <p className="text-sm text-muted-foreground">{t("none")}</p>
          ) : (
            <>
              <UsageChart report={report} />
              <UsageTable id={tableId} caption={t("byDay")} rows={report.rows} columns={["day", "model"]} />
            </>
          )}
        </>
      )}
      {scope === "all" && byUser.data !== undefined && byUser.data.rows.length > 0 && (
        <UsageTable id={usersId} caption={t("byUser")} rows={byUser.data.rows} columns={["user"]} />
      )}
    </PageSection>
  );
}

function UsageTable({
  id,
  caption,
  rows,
  columns,
}: {
  id: string;
  caption: string;
  rows: readonly UsageRow[];
  columns: readonly ("day" | "model" | "user")[];
}) {
  const { t, i18n } = useTranslation("usage");
  const number = (value: number | null) => (value === null ? "–" : formatNumber(value, i18n.language));
  const cell = (row: UsageRow, column: "day" | "model" | "user") =>
    column === "user" ? (row.username ?? "") : (row[column] ?? "");
  return (
    // Scrolls sideways on a narrow screen: focusable, so a keyboard can scroll it too (WCAG 2.1.1).
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take the focus.
    <section tabIndex={0} aria-labelledby={`${id}-caption`} className="overflow-x-auto rounded-lg border">
      <table id={id} className="w-full text-sm">
        <caption id={`${id}-caption`} className="px-3 py-2 text-left font-semibold">
          {caption}
        </caption>
        <thead className="bg-muted/50 text-left">
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col" className="px-3 py-2 font-medium">
                {t(`columns.${column}`)}
              </th>
            ))}
            {(
              [
                "calls",
                "promptTokens",
                "completionTokens",
                "totalTokens",
                "avgFirstTokenMs",
                "tokensPerSecond",
              ] as const
            ).map((column) => (
              <th key={column} scope="col" className="px-3 py-2 text-right font-medium">
                {t(`columns.${column}`)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={columns.map((column) => cell(row, column)).join("|")} className="border-t">
              {columns.map((column, index) =>
                index === 0 ? (
                  <th key={column} scope="row" className="px-3 py-2 text-left font-normal whitespace-nowrap">
                    {cell(row, column)}
                  </th>
                ) : (
                  <td key={column} className="min-w-32 px-3 py-2 break-words">
                    {cell(row, column)}
                  </td>
                ),
              )}
              <td className="px-3 py-2 text-right tabular-nums">{number(row.calls)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{number(row.promptTokens)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{number(row.completionTokens)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{number(row.totalTokens)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{number(row.avgFirstTokenMs)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{number(row.tokensPerSecond)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The rate-limit profile that applies to the signed-in user, and how much of each of its limits is left. */
function OwnRateLimits() {
  const { t, i18n } = useTranslation("usage");
  const limits = useQuery({
    queryKey: ["usage", "rate-limits"],
    queryFn: async () => unwrap(await client.api.GET("/api/limits")),
  });
  const rateLimits = limits.data?.rateLimits;
  if (rateLimits === undefined) return null;
  if (rateLimits === null) return <p className="text-sm text-muted-foreground">{t("noProfile")}</p>;
  const number = (value: number) => formatNumber(value, i18n.language);
  return (
    <div className="flex flex-col gap-1">
      <p className="text-sm">{t("profile", { profile: rateLimits.profile })}</p>
      <ul aria-label={t("rateLimits")} className="list-disc pl-5 text-sm">
        {rateLimits.quotas.map((quota) => (
          <li key={quota.name}>
            {t(`quotas.${quota.name}`, { limit: number(quota.limit), remaining: number(quota.remaining) })}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * @module What the model calls used over a range of days, summed by the columns asked for, from the
 * ledger (record-usage.ts). Days are UTC days.
 */
import type { Queryable } from "@hearth/db";
import { z } from "@hono/zod-openapi";

const USAGE_GROUPS = ["day", "user", "model", "provider", "source"] as const;
type UsageGroup = (typeof USAGE_GROUPS)[number];

/** The longest range one report covers. */
export const MAX_USAGE_DAYS = 366;
/** The most rows one report holds: more is a grouping too fine for the range. */
export const MAX_USAGE_ROWS = 10_000;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const isDay = (text: string) =>
  DAY.test(text) &&
  !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) &&
  new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

export const UsageQuery = z
  .object({
    from: z
      .string()
      .refine(isDay, "must be a day as YYYY-MM-DD")
      .optional()
      .openapi({ description: "The first day (UTC), included. Default: 29 days before `to`.", example: "2026-11-01" }),
    to: z
      .string()
      .refine(isDay, "must be a day as YYYY-MM-DD")
      .optional()
      .openapi({ description: "The last day (UTC), included. Default: today.", example: "2026-11-30" }),
    groupBy: z
      .string()
      .max(100)
      .default("day,model")
      .transform((text) =>
        text
          .split(",")
          .map((part) => part.trim())
          .filter((part) => part !== ""),
      )
      .refine((parts) => parts.every((part) => (USAGE_GROUPS as readonly string[]).includes(part)), {
        message: `must list some of ${USAGE_GROUPS.join(", ")}, separated by commas`,
      })
      .transform((parts) => USAGE_GROUPS.filter((group) => parts.includes(group)))
      .openapi({ description: `What to sum by: some of ${USAGE_GROUPS.join(", ")}. Empty: one row of totals.` }),
    scope: z.enum(["mine", "all"]).default("mine").openapi({ description: "`all`: everyone's calls (admins only)." }),
    user: z.uuid().optional().openapi({ description: "One user's calls (admins; anyone for themselves)." }),
    model: z.string().max(300).optional().openapi({ description: "Only this model (qualified id)." }),
    provider: z.string().max(64).optional().openapi({ description: "Only this provider's models." }),
    format: z.enum(["json", "csv"]).default("json").openapi({ description: "`csv`: a file to download." }),
  })
  .refine((query) => query.from === undefined || query.to === undefined || query.from <= query.to, {
    message: "must not be after `to`",
    path: ["from"],
  });
export type UsageQuery = z.infer<typeof UsageQuery>;

const UsageRow = z
  .object({
    day: z.string().optional(),
    userId: z.uuid().optional(),
    username: z.string().optional(),
    model: z.string().optional(),
    provider: z.string().optional(),
    source: z
      .enum(["chat", "api"])
      .optional()
      .openapi({ description: "`chat`: conversations' replies; `api`: /v1 calls." }),
    calls: z.number().int(),
    promptTokens: z.number().int(),
    completionTokens: z.number().int(),
    totalTokens: z.number().int(),
    avgFirstTokenMs: z.number().nullable().openapi({ description: "Mean time to first token, queue included." }),
    tokensPerSecond: z
      .number()
      .nullable()
      .openapi({ description: "Completion tokens over the time spent writing them." }),
  })
  .openapi("UsageRow");
type UsageRow = z.infer<typeof UsageRow>;

export const UsageReport = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.array(z.enum(USAGE_GROUPS)),
    rows: z.array(UsageRow),
    totals: UsageRow.pick({ calls: true, promptTokens: true, completionTokens: true, totalTokens: true }),
  })
  .openapi("UsageReport");
export type UsageReport = z.infer<typeof UsageReport>;

/** What a report covers, once the query is resolved: whose calls (undefined: everyone's), which days. */
export interface UsageSelection {
  from: string;
  to: string;
  groupBy: readonly UsageGroup[];
  userId: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
}

const SELECTED: Record<UsageGroup, { columns: string[]; groupBy: string[] }> = {
  day: {
    columns: ["to_char(date_trunc('day', u.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day"],
    groupBy: ["1"],
  },
  user: { columns: ["u.user_id", "users.username"], groupBy: ["u.user_id", "users.username"] },
  model: { columns: ["u.model"], groupBy: ["u.model"] },
  provider: { columns: ["u.provider"], groupBy: ["u.provider"] },
  source: { columns: ["u.source"], groupBy: ["u.source"] },
};

interface Row {
  day?: string;
  user_id?: string;
  username?: string;
  model?: string;
  provider?: string;
  source?: "chat" | "api";
  calls: number | string;
  prompt_tokens: number | string | null;
  completion_tokens: number | string | null;
  avg_first_token_ms: number | string | null;
  tokens_per_second: number | string | null;
}

const nullableNumber = (value: number | string | null) => (value === null ? null : Number(value));

/**
 * The report, or undefined when it would hold more than MAX_USAGE_ROWS rows. One query: the ledger's
 * rows of the range (by its time index, and the user's where one is chosen), summed.
 */
export async function usageReport(db: Queryable, selection: UsageSelection): Promise<UsageReport | undefined> {
  const params: unknown[] = [new Date(`${selection.from}T00:00:00Z`), nextDay(selection.to)];
  const where = ["u.created_at >= $1", "u.created_at < $2"];
  const filter = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  filter("u.user_id", selection.userId);
  filter("u.model", selection.model);
  filter("u.provider", selection.provider);
  const groups = selection.groupBy.map((group) => SELECTED[group]);
  const columns = groups.flatMap((group) => group.columns);
  const groupBy = groups.flatMap((group) => group.groupBy);
  const sql = `
    SELECT ${[...columns, "count(*) AS calls"].join(", ")},
      sum(u.prompt_tokens) AS prompt_tokens,
      sum(u.completion_tokens) AS completion_tokens,
      round(avg(u.first_token_ms)) AS avg_first_token_ms,
      round(sum(u.completion_tokens) FILTER (WHERE u.generation_ms > 0) * 1000.0
        / nullif(sum(u.generation_ms) FILTER (WHERE u.generation_ms > 0), 0), 1) AS tokens_per_second
    FROM model_usage u ${selection.groupBy.includes("user") ? "JOIN users ON users.id = u.user_id" : ""}
    WHERE ${where.join(" AND ")}
    ${groupBy.length === 0 ? "" : `GROUP BY ${groupBy.join(", ")} ORDER BY ${groupBy.join(", ")}`}
    LIMIT ${MAX_USAGE_ROWS + 1}`;
  const { rows } = await db.query<Row>(sql, params);
  if (rows.length > MAX_USAGE_ROWS) return undefined;
  const report = rows
    .map((row) => {
      const promptTokens = Number(row.prompt_tokens ?? 0);
      const completionTokens = Number(row.completion_tokens ?? 0);
      return {
        ...(row.day === undefined ? {} : { day: row.day }),
        ...(row.user_id === undefined ? {} : { userId: row.user_id, username: row.username ?? "" }),
        ...(row.model === undefined ? {} : { model: row.model }),
        ...(row.provider === undefined ? {} : { provider: row.provider }),
        ...(row.source === undefined ? {} : { source: row.source }),
        calls: Number(row.calls),
        promptTokens,
        completionTokens,
        totalTokens: promptTokens + completionTokens,
        avgFirstTokenMs: nullableNumber(row.avg_first_token_ms),
        tokensPerSecond: nullableNumber(row.tokens_per_second),
      };
    })
    // No calls at all: the one row of an ungrouped sum says nothing.
    .filter((row) => row.calls > 0);
  const sum = (pick: (row: UsageRow) => number) => report.reduce((total, row) => total + pick(row), 0);
  return {
    from: selection.from,
    to: selection.to,
    groupBy: [...selection.groupBy],
    rows: report,
    totals: {
      calls: sum((row) => row.calls),
      promptTokens: sum((row) => row.promptTokens),
      completionTokens: sum((row) => row.completionTokens),
      totalTokens: sum((row) => row.totalTokens),
    },
  };
}

function nextDay(day: string): Date {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date;
}

/** A UTC day as YYYY-MM-DD, `days` after `date`'s. */
export function dayOf(date: Date, days = 0): string {
  const shifted = new Date(date.getTime() + days * 86_400_000);
  return shifted.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/**
 * The report as CSV (RFC 4180): a header, then a row per row. A cell that a spreadsheet would take
 * for a formula (it starts with =, +, -, @, a tab or a return: a username can) is quoted with a `'`.
 */
export function usageCsv(report: UsageReport): string {
  const columns: [string, (row: UsageRow) => string | number | null | undefined][] = [
    ...report.groupBy.flatMap((group): [string, (row: UsageRow) => string | undefined][] =>
      group === "user"
        ? [
            ["user_id", (row) => row.userId],
            ["username", (row) => row.username],
          ]
        : [[group, (row) => row[group]]],
    ),
    ["calls", (row) => row.calls],
    ["prompt_tokens", (row) => row.promptTokens],
    ["completion_tokens", (row) => row.completionTokens],
    ["total_tokens", (row) => row.totalTokens],
    ["avg_first_token_ms", (row) => row.avgFirstTokenMs],
    ["tokens_per_second", (row) => row.tokensPerSecond],
  ];
  const cell = (value: string | number | null | undefined) => {
    if (value === null || value === undefined) return "";
    let text = String(value);
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [columns.map(([name]) => name).join(",")];
  for (const row of report.rows) lines.push(columns.map(([, pick]) => cell(pick(row))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

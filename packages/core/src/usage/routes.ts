import { createRoute, z } from "@hono/zod-openapi";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { accountsProblems } from "../accounts/problems.ts";
import { createRouter } from "../http/create-router.ts";
import { asUser, problems } from "../http/route-helpers.ts";
import { raise, validationFailed } from "../problems.ts";
import {
  dayOf,
  daysBetween,
  MAX_USAGE_DAYS,
  MAX_USAGE_ROWS,
  UsageQuery,
  UsageReport,
  usageCsv,
  usageReport,
} from "./usage-report.ts";

const report = createRoute({
  method: "get",
  path: "/api/usage",
  tags: ["usage"],
  summary: "What model calls used, summed by day, user, model, provider or source",
  description:
    "Every reply and /v1 call that ended counts: its calls, prompt and completion tokens, mean time to first " +
    `token and speed. Days are UTC days; a range covers at most ${MAX_USAGE_DAYS} days. Your own calls; admins ` +
    "may ask for everyone's (`scope=all`) or one user's (`user`). `format=csv` answers a file to download.",
  ...asUser,
  request: { query: UsageQuery },
  responses: {
    200: {
      description: "The report",
      content: {
        "application/json": { schema: UsageReport },
        "text/csv": { schema: z.string().openapi({ description: "A header line, then one line per row." }) },
      },
    },
  },
  ...problems("admin-required"),
});

export const usageRoutes = createRouter().openapi(report, async (c) => {
  const query = c.req.valid("query");
  const { user } = currentPrincipal(c);
  const isAdmin = user.role === "admin";
  if ((query.scope === "all" || (query.user !== undefined && query.user !== user.id)) && !isAdmin)
    raise(accountsProblems.adminRequired());
  const to = query.to ?? dayOf(c.var.clock.now());
  const from = query.from ?? dayOf(new Date(`${to}T00:00:00Z`), -29);
  if (from > to) raise(validationFailed("query", [{ field: "from", message: "must not be after `to`" }]));
  if (daysBetween(from, to) > MAX_USAGE_DAYS)
    raise(
      validationFailed("query", [{ field: "from", message: `must be at most ${MAX_USAGE_DAYS} days before \`to\`` }]),
    );
  const userId = query.user ?? (query.scope === "all" ? undefined : user.id);
  const result = await usageReport(c.var.db, {
    from,
    to,
    groupBy: query.groupBy,
    userId,
    model: query.model,
    provider: query.provider,
  });
  if (result === undefined)
    raise(
      validationFailed("query", [
        { field: "groupBy", message: `gives more than ${MAX_USAGE_ROWS} rows: group by less, or ask for fewer days` },
      ]),
    );
  if (query.format === "csv") {
    return c.body(usageCsv(result), 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="hearth-usage-${from}-to-${to}.csv"`,
    }) as never;
  }
  return c.json(result, 200);
});

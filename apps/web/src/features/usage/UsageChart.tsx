import type { components } from "@hearth/sdk";
import { useTranslation } from "react-i18next";
import { formatNumber } from "../../lib/i18n.ts";

type UsageReport = components["schemas"]["UsageReport"];

/** Distinct in both themes and for the common colour blindnesses (Okabe–Ito); a model past them is "other". */
const COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"];
const OTHER_COLOUR = "#999999";
const WIDTH = 720;
const HEIGHT = 220;
const AXIS = 28;

/** Every UTC day from `from` to `to`, both included. */
function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let time = Date.parse(`${from}T00:00:00Z`); time <= Date.parse(`${to}T00:00:00Z`); time += 86_400_000)
    days.push(new Date(time).toISOString().slice(0, 10));
  return days;
}

/**
 * Tokens per day as bars, stacked by model, days without calls included. An image to the screen
 * reader (its label says the totals): the table beside it holds the same numbers.
 */
export function UsageChart({ report }: { report: UsageReport }) {
  const { t, i18n } = useTranslation("usage");
  const days = daysOf(report.from, report.to);
  const byModel = new Map<string, number>();
  for (const row of report.rows) byModel.set(row.model ?? "", (byModel.get(row.model ?? "") ?? 0) + row.totalTokens);
  const ranked = [...byModel.entries()].sort((a, b) => b[1] - a[1]).map(([model]) => model);
  const shown = ranked.slice(0, COLOURS.length);
  const colourOf = (model: string) => {
    const index = shown.indexOf(model);
    return index < 0 ? OTHER_COLOUR : (COLOURS[index] as string);
  };
  const perDay = new Map<string, { model: string; tokens: number }[]>();
  for (const row of report.rows) {
    const stack = perDay.get(row.day ?? "") ?? [];
    stack.push({ model: row.model ?? "", tokens: row.totalTokens });
    perDay.set(row.day ?? "", stack);
  }
  const highest = Math.max(
    1,
    ...days.map((each) => (perDay.get(each) ?? []).reduce((sum, part) => sum + part.tokens, 0)),
  );
  const slot = (WIDTH - AXIS) / days.length;
  const barWidth = Math.max(1, slot * 0.7);
  const number = (value: number) => formatNumber(value, i18n.language);
  const label = t("chartLabel", {
    tokens: number(report.totals.totalTokens),
    days: days.length,
    models: ranked.length,
  });
  return (
    <figure className="flex flex-col gap-2">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT + 20}`}
        role="img"
        aria-label={label}
        className="h-auto w-full text-muted-foreground"
      >
        <line x1={AXIS} y1={HEIGHT} x2={WIDTH} y2={HEIGHT} stroke="currentColor" strokeWidth={1} />
        <text x={AXIS - 4} y={10} textAnchor="end" fontSize={10} fill="currentColor">
          {number(highest)}
        </text>
        <text x={AXIS - 4} y={HEIGHT} textAnchor="end" fontSize={10} fill="currentColor">
          0
        </text>
        {days.map((each, index) => {
          let top = HEIGHT;
          const x = AXIS + index * slot + (slot - barWidth) / 2;
          return (
            <g key={each}>
              {(perDay.get(each) ?? []).map((part) => {
                const height = (part.tokens / highest) * (HEIGHT - 12);
                top -= height;
                return (
                  <rect key={part.model} x={x} y={top} width={barWidth} height={height} fill={colourOf(part.model)}>
                    <title>{`${each} · ${part.model}: ${number(part.tokens)}`}</title>
                  </rect>
                );
              })}
              {(index === 0 || index === days.length - 1 || days.length <= 10) && (
                <text
                  x={index === 0 ? x : index === days.length - 1 ? x + barWidth : x + barWidth / 2}
                  y={HEIGHT + 14}
                  textAnchor={index === 0 ? "start" : index === days.length - 1 ? "end" : "middle"}
                  fontSize={10}
                  fill="currentColor"
                >
                  {each.slice(5)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        <ul className="flex flex-wrap gap-x-4 gap-y-1 text-sm" aria-label={t("legend")}>
          {shown.map((model) => (
            <li key={model} className="flex items-center gap-1.5">
              <span
                aria-hidden="true"
                className="inline-block size-3 rounded-sm"
                style={{ background: colourOf(model) }}
              />
              <span className="break-all">{model}</span>
            </li>
          ))}
          {ranked.length > shown.length && (
            <li className="flex items-center gap-1.5">
              <span
                aria-hidden="true"
                className="inline-block size-3 rounded-sm"
                style={{ background: OTHER_COLOUR }}
              />
              {t("otherModels", { count: ranked.length - shown.length })}
            </li>
          )}
        </ul>
      </figcaption>
    </figure>
  );
}

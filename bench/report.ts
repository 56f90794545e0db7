/** What the benchmarks print: aligned tables of [label, value, note] rows, or one JSON object. */

export type Row = [label: string, value: string, note: string];

/** Numbers rounded to 3 decimals, so the JSON stays readable. */
export function formatJson(figures: unknown): string {
  return `${JSON.stringify(figures, (_key, value: unknown) => (typeof value === "number" ? round(value, 3) : value))}\n`;
}

/** Rows aligned in three columns; with `header`, under a "figure / value / unit" line. */
export function formatRows(rows: readonly Row[], { header = false } = {}): string {
  const all: Row[] = header ? [["figure", "value", "unit / ratio"], ...rows] : [...rows];
  const labelWidth = Math.max(...all.map(([label]) => label.length));
  const valueWidth = Math.max(...all.map(([, value]) => value.length));
  const line = ([label, value, note]: Row) =>
    `${label.padEnd(labelWidth)}  ${value.padStart(valueWidth)}  ${note}`.trimEnd();
  const lines = all.map(line);
  if (header) lines.splice(1, 0, line(["-".repeat(labelWidth), "-".repeat(valueWidth), "-".repeat(12)]));
  return lines.join("\n");
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** The p-th percentile, interpolated between the nearest ranks (p 50 is the median). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const below = sorted[Math.floor(rank)] as number;
  const above = sorted[Math.ceil(rank)] as number;
  return below + (above - below) * (rank - Math.floor(rank));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

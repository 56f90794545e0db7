/** The benchmark's figures, and their two renderings: an aligned table and one JSON object. */

export interface Figures {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string; loadAverage: number };
  settings: { connections: number; durationSeconds: number; warmupSeconds: number; rounds: number };
  idleRssMb: number;
  firstStartIdleRssMb: number;
  healthzRps: number;
  healthzP50Ms: number;
  healthzP99Ms: number;
  meCookieRps: number;
  meCookieP50Ms: number;
  meCookieP99Ms: number;
  meApiKeyRps: number;
  meApiKeyP50Ms: number;
  meApiKeyP99Ms: number;
  meCookieVsHealthz: number;
  meApiKeyVsHealthz: number;
  rssAfterLoadMb: number;
  peakRssMb: number;
}

type Row = [label: string, value: number, unit: string, digits: number];

export function formatJson(figures: Figures): string {
  return `${JSON.stringify(figures, (_key, value: unknown) => (typeof value === "number" ? round(value, 3) : value))}\n`;
}

export function formatTable(figures: Figures): string {
  const { machine, settings } = figures;
  const rows: Row[] = [
    ["Idle resident memory (restart)", figures.idleRssMb, "MB", 1],
    ["Idle resident memory (first start)", figures.firstStartIdleRssMb, "MB", 1],
    ["GET /healthz (baseline)", figures.healthzRps, "req/s", 0],
    ["  p50 latency", figures.healthzP50Ms, "ms", 0],
    ["  p99 latency", figures.healthzP99Ms, "ms", 0],
    ["GET /api/auth/me by cookie", figures.meCookieRps, "req/s", 0],
    ["  p50 latency", figures.meCookieP50Ms, "ms", 0],
    ["  p99 latency", figures.meCookieP99Ms, "ms", 0],
    ["  vs /healthz", figures.meCookieVsHealthz, "ratio", 2],
    ["GET /api/auth/me by API key", figures.meApiKeyRps, "req/s", 0],
    ["  p50 latency", figures.meApiKeyP50Ms, "ms", 0],
    ["  p99 latency", figures.meApiKeyP99Ms, "ms", 0],
    ["  vs /healthz", figures.meApiKeyVsHealthz, "ratio", 2],
    ["Resident memory after load", figures.rssAfterLoadMb, "MB", 1],
    ["Peak resident memory (restarted server)", figures.peakRssMb, "MB", 1],
  ];
  const cells = rows.map(([label, value, unit, digits]) => [label, value.toFixed(digits), unit] as const);
  const labelWidth = Math.max("figure".length, ...cells.map(([label]) => label.length));
  const valueWidth = Math.max("value".length, ...cells.map(([, value]) => value.length));
  const line = (label: string, value: string, unit: string) =>
    `${label.padEnd(labelWidth)}  ${value.padStart(valueWidth)}  ${unit}`.trimEnd();
  return [
    `Hearth benchmark, ${figures.date}: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
      `load average ${machine.loadAverage.toFixed(1)} at start`,
    `${settings.connections} connections, ${settings.rounds} round(s) of ${settings.durationSeconds} s ` +
      `after ${settings.warmupSeconds} s warm-up; figures are medians over rounds`,
    "",
    line("figure", "value", "unit / ratio"),
    line("-".repeat(labelWidth), "-".repeat(valueWidth), "-".repeat(12)),
    ...cells.map(([label, value, unit]) => line(label, value, unit)),
    "",
  ].join("\n");
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) throw new Error("median of no values");
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

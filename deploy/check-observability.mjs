#!/usr/bin/env node
// Checks that the Prometheus rules and Grafana dashboards in deploy/ only use metrics Hearth exports:
// the names in apps/server/src/metrics.ts, prom-client's default metrics under the prefix it sets there,
// the recording rules of deploy/prometheus, and Prometheus's own `up`. Also checks the label matchers on
// Hearth's own metrics against their labelNames. Exits 1 on an unknown name or label.
//
//   node deploy/check-observability.mjs
//
// Node built-ins only; prom-client's default metric names are read from its installed sources
// (run `npm ci` first). The PromQL is only tokenized here: `promtool check rules` and `promtool test rules`
// check its syntax and meaning.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const problems = [];

// --- What exists -------------------------------------------------------------------------------------------
const metricsSource = readFileSync(join(root, "apps/server/src/metrics.ts"), "utf8");
/** name → { type, labels (undefined: not checked) } */
const known = new Map();
for (const match of metricsSource.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{([\s\S]*?)\n {2,4}\}\)/g)) {
  const [, type, body] = match;
  const name = body.match(/name: "([^"]+)"/)?.[1];
  if (name === undefined) continue;
  const labelList = body.match(/labelNames: \[([^\]]*)\]/)?.[1] ?? "";
  const labels = [...labelList.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  known.set(name, { type, labels });
}
if (known.size === 0) problems.push("found no metric in apps/server/src/metrics.ts");

const prefixMatch = metricsSource.match(/collectDefaultMetrics\(\{[^}]*prefix: "([^"]*)"/);
if (prefixMatch === null) problems.push("found no collectDefaultMetrics({ prefix }) in apps/server/src/metrics.ts");
const prefix = prefixMatch?.[1] ?? "";
const require = createRequire(join(root, "apps/server/package.json"));
const promClientDir = dirname(require.resolve("prom-client/package.json"));
const defaultsDir = join(promClientDir, "lib/metrics");
for (const file of readdirSync(defaultsDir).filter((f) => f.endsWith(".js"))) {
  const source = readFileSync(join(defaultsDir, file), "utf8");
  const type = /new Histogram\(/.test(source) ? "Histogram" : "Gauge";
  for (const [, name] of source.matchAll(/^const [A-Z0-9_]+ = '((?:nodejs|process)_[a-z0-9_]+)';/gm)) {
    known.set(prefix + name, { type, labels: undefined });
  }
}

const rulesPath = join(root, "deploy/prometheus/hearth-alerts.yml");
const rulesSource = readFileSync(rulesPath, "utf8");
/** Recording rule → the labels of its outer `by (…)`, where it has one (undefined: not checked). */
const recorded = new Map();
for (const match of rulesSource.matchAll(/^\s*- record:\s*(\S+)\s*\n\s*expr:\s*(?:[|>][-+]?\s*\n)?\s*(.*)$/gm)) {
  const grouping = match[2].match(/^\w+ by \(([^)]*)\)/)?.[1];
  recorded.set(
    match[1],
    grouping?.split(",").map((label) => label.trim()),
  );
}
// Prometheus's own series, per scrape target.
const builtIn = new Set(["up"]);

/** Every name a selector may use, with the labels it accepts. */
function lookUp(name) {
  if (builtIn.has(name)) return { labels: undefined };
  if (recorded.has(name)) return { labels: recorded.get(name) };
  if (known.has(name)) return known.get(name);
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    const metric = base === undefined ? undefined : known.get(base);
    if (metric?.type === "Histogram" || metric?.type === "Summary") {
      return { labels: metric.labels && (suffix === "_bucket" ? [...metric.labels, "le"] : metric.labels) };
    }
  }
  return undefined;
}

// --- PromQL ------------------------------------------------------------------------------------------------
const keywords = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
  "start",
  "end",
]);
const targetLabels = new Set(["job", "instance"]);

function checkExpr(expr, where) {
  // Grafana variables ($job, ${datasource}, $__rate_interval) and strings first, remembering the matchers.
  const text = expr.replace(/\$\{[^}]*\}|\$\w+/g, " 1 ");
  const stripped = text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  let count = 0;
  const selector = /(?<![\w:.$])([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{[^}]*\})?/g;
  // Grouping clauses list labels, not metrics.
  const body = stripped.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const originalMatchers = [...text.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}/g)];
  for (const match of body.matchAll(selector)) {
    const [, name] = match;
    const after = body.slice(match.index + match[0].length);
    if (keywords.has(name.toLowerCase()) || /^\s*\(/.test(after) || /^\d/.test(name)) continue;
    // A duration inside [...] (5m) or after offset never gets here: it starts with a digit.
    count++;
    const metric = lookUp(name);
    if (metric === undefined) {
      problems.push(`${where}: unknown metric ${name}`);
      continue;
    }
    if (metric.labels === undefined) continue;
    for (const [, selected, matchers] of originalMatchers) {
      if (selected !== name) continue;
      for (const [, label] of matchers.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
        if (!targetLabels.has(label) && !metric.labels.includes(label)) {
          problems.push(`${where}: ${name} has no label ${label} (it has ${metric.labels.join(", ") || "none"})`);
        }
      }
    }
  }
  if (count === 0) problems.push(`${where}: no metric found in ${JSON.stringify(expr)}`);
}

// Rules: `expr:` on one line, or a block scalar (| or >) indented below it.
function yamlExprs(source, key) {
  const found = [];
  const lines = source.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = lines[i].match(new RegExp(`^(\\s*)(?:- )?${key}:\\s*(.*)$`));
    if (match === null) continue;
    const indent = match[1].length;
    let value = match[2].trim();
    if (/^[|>][-+]?$/.test(value)) {
      const block = [];
      while (i + 1 < lines.length && (lines[i + 1].trim() === "" || lines[i + 1].search(/\S/) > indent))
        block.push(lines[++i].trim());
      value = block.join(" ").trim();
    } else if (/^'.*'$/.test(value)) {
      value = value.slice(1, -1).replaceAll("''", "'");
    } else if (/^".*"$/.test(value)) {
      value = JSON.parse(value);
    }
    found.push({ value, line: i + 1 });
  }
  return found;
}

for (const file of ["deploy/prometheus/hearth-alerts.yml", "deploy/prometheus/hearth-alerts.test.yml"]) {
  const source = readFileSync(join(root, file), "utf8");
  const exprs = [...yamlExprs(source, "expr"), ...yamlExprs(source, "series")];
  if (exprs.length === 0) problems.push(`${file}: no expr found`);
  for (const { value, line } of exprs) checkExpr(value, `${file}:${line}`);
}

// Dashboards: every target's expr, annotation expr and query variable.
const dashboardsDir = join(root, "deploy/grafana");
const dashboards = readdirSync(dashboardsDir).filter((f) => f.endsWith(".json"));
if (dashboards.length === 0) problems.push("deploy/grafana: no dashboard");
for (const file of dashboards) {
  const path = join(dashboardsDir, file);
  const where = relative(root, path);
  let dashboard;
  try {
    dashboard = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
    continue;
  }
  let exprs = 0;
  const walk = (node, trail) => {
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, `${trail}[${i}]`);
    } else if (node !== null && typeof node === "object") {
      if (typeof node.expr === "string") {
        exprs++;
        checkExpr(node.expr, `${where} ${node.title ?? trail}`);
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${trail}.${key}`);
    }
  };
  for (const panel of dashboard.panels ?? []) walk(panel, `panel "${panel.title}"`);
  walk(dashboard.annotations, "annotations");
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== "query") continue;
    const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
    const labelValues = query?.match(/^label_values\((.*),\s*(\w+)\)$/);
    if (labelValues === null || labelValues === undefined) {
      problems.push(`${where} variable ${variable.name}: not a label_values(metric, label) query`);
      continue;
    }
    checkExpr(labelValues[1], `${where} variable ${variable.name}`);
  }
  if (exprs === 0) problems.push(`${where}: no expr found`);
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log(
  `deploy/: every metric and label is one Hearth exports (${known.size} metrics, ${recorded.size} recording rules, ${dashboards.length} dashboard(s))`,
);

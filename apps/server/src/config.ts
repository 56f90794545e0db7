/**
 * The one place configuration is read: defaults, then the config file, then HEARTH_* environment
 * variables, then command-line flags, validated by one schema. Everything else receives `Config`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { z } from "zod";
import { type Config, ConfigSchema, ENV_ALIASES, FLAG_ALIASES, SECRET_KEYS } from "./config-schema.ts";

export type { Config } from "./config-schema.ts";

export type LoadedConfig =
  | { ok: true; config: Config }
  | { ok: false; errors: string[] }
  | { ok: "help"; text: string };

export interface ConfigSources {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

interface Leaf {
  path: string;
  kind: string;
  env: string;
  flag: string;
}

type Raw = Record<string, unknown>;

export function loadConfig({ argv, env, cwd }: ConfigSources): LoadedConfig {
  const leaves = listLeaves(ConfigSchema);
  const errors: string[] = [];
  const raw: Raw = {};
  const origins = new Map<string, { value: unknown; from: string }>();
  const set = (path: string, value: unknown, from: string) => {
    setPath(raw, path, value);
    origins.set(path, { value, from });
  };

  const fromEnv = readEnv(env, leaves);
  const fromFlags = readFlags(argv, leaves, errors);
  if (fromFlags === "help") return { ok: "help", text: usage(leaves) };

  const dataDir = String(fromFlags.get("dataDir")?.value ?? fromEnv.get("dataDir")?.value ?? "./data");
  const file = env.HEARTH_CONFIG ? resolve(cwd, env.HEARTH_CONFIG) : join(resolve(cwd, dataDir), "hearth.config.json");
  if (env.HEARTH_CONFIG || existsSync(file)) readFile(file, Boolean(env.HEARTH_CONFIG), errors, set);
  for (const layer of [fromEnv, fromFlags]) {
    for (const [path, { value, from }] of layer) set(path, coerce(value, leaves, path), from);
  }

  // Validated even when a flag or the file is wrong, so every problem is listed at once.
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) errors.push(...parsed.error.issues.map((issue) => describe(issue, origins)));
  if (!parsed.success || errors.length > 0) return { ok: false, errors };
  const config = parsed.data;
  if (config.redisUrl !== undefined && config.databaseUrl === undefined) {
    const from = origins.get("redisUrl")?.from ?? "configuration";
    return {
      ok: false,
      errors: [
        `redisUrl = a value (hidden) (from ${from}): needs databaseUrl too. Redis joins nodes that share a PostgreSQL database; the embedded database serves one process.`,
      ],
    };
  }
  config.dataDir = resolve(cwd, config.dataDir);
  config.modelsDir = resolve(cwd, config.modelsDir ?? join(config.dataDir, "models"));
  if (config.server.webDir !== undefined) config.server.webDir = resolve(cwd, config.server.webDir);
  return { ok: true, config };
}

/** The configuration as it may be logged: secrets replaced. */
export function redactConfig(config: Config): Raw {
  const copy = structuredClone(config) as Raw;
  for (const path of SECRET_KEYS) redactPath(copy, path.split("."));
  return copy;
}

/** Replaces the value at a path (`*`: every item of a list) with "[redacted]", where one is set. */
function redactPath(node: unknown, parts: readonly string[]): void {
  const [part, ...rest] = parts;
  if (typeof node !== "object" || node === null || part === undefined) return;
  const record = node as Raw;
  for (const key of part === "*" ? Object.keys(record) : [part]) {
    if (rest.length > 0) redactPath(record[key], rest);
    else if (record[key] !== undefined) record[key] = "[redacted]";
  }
}

/** Whether the value at a path is a secret, lies inside one, or holds one (a list item holding an API key). */
function holdsSecret(path: readonly PropertyKey[]): boolean {
  return [...SECRET_KEYS].some((secret) =>
    secret.split(".").every((part, index) => index >= path.length || part === "*" || part === String(path[index])),
  );
}

function readEnv(env: ConfigSources["env"], leaves: Leaf[]) {
  const found = new Map<string, { value: unknown; from: string }>();
  for (const [name, path] of Object.entries(ENV_ALIASES)) {
    const value = env[name];
    if (value !== undefined && value !== "") found.set(path, { value, from: `environment variable ${name}` });
  }
  for (const leaf of leaves) {
    const value = env[leaf.env];
    if (value !== undefined && value !== "") found.set(leaf.path, { value, from: `environment variable ${leaf.env}` });
  }
  return found;
}

function readFlags(argv: readonly string[], leaves: Leaf[], errors: string[]) {
  const byFlag = new Map(leaves.map((leaf) => [leaf.flag, leaf.path]));
  for (const [flag, path] of Object.entries(FLAG_ALIASES)) byFlag.set(flag, path);
  const found = new Map<string, { value: unknown; from: string }>();
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (argument === "--help" || argument === "-h") return "help" as const;
    const match = /^--([^=]+)(?:=(.*))?$/s.exec(argument);
    const path = match ? byFlag.get(match[1] as string) : undefined;
    if (!match || path === undefined) {
      errors.push(describeUnknownArgument(argument));
      // The value of a misspelled flag (`--databse-url postgres://…`) is neither echoed nor reported again.
      if (argument.startsWith("-") && !argument.includes("=") && !argv[index + 1]?.startsWith("-")) index++;
      continue;
    }
    const kinds = kindsOf(leaves, path);
    let value = match[2];
    if (value === undefined && kinds.includes("boolean")) {
      // A bare flag means true, unless a value the setting accepts follows (`--server.trust-proxy 2`).
      const next = argv[index + 1];
      const isValueNext = kinds.length === 1 ? /^(true|false)$/.test(next ?? "") : !(next ?? "--").startsWith("--");
      value = isValueNext ? argv[++index] : "true";
    } else if (value === undefined) value = argv[++index];
    if (value === undefined) {
      errors.push(`The flag --${match[1]} needs a value.`);
      continue;
    }
    found.set(path, { value, from: `flag --${match[1]}` });
  }
  return found;
}

/** A flag's value may be a secret, so only its name is repeated; a bare argument is shown as given. */
function describeUnknownArgument(argument: string): string {
  const shown = argument.startsWith("-") ? (argument.split("=")[0] as string) : JSON.stringify(argument);
  return `Unknown command-line argument ${shown}. Run with --help to list the settings.`;
}

function readFile(
  file: string,
  isNamedByEnv: boolean,
  errors: string[],
  set: (path: string, value: unknown, from: string) => void,
): void {
  const named = isNamedByEnv ? " (named by environment variable HEARTH_CONFIG)" : "";
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const isMissing = (error as NodeJS.ErrnoException).code === "ENOENT";
    errors.push(
      `Cannot read the config file ${file}${named}: ${isMissing ? "no such file" : (error as Error).message}`,
    );
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text around the mistake, which may be a password: give only the place.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    errors.push(
      `The config file ${file}${named} is not valid JSON${position ? ` (${lineAndColumn(text, Number(position))})` : ""}.`,
    );
    return;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    errors.push(`The config file ${file} must hold a JSON object.`);
    return;
  }
  const walk = (value: unknown, path: string) => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    } else set(path, value, `config file ${file}`);
  };
  walk(parsed, "");
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position).split("\n");
  return `line ${before.length}, column ${(before.at(-1) as string).length + 1}`;
}

/** Environment variables and flags are strings; turn them into what the setting expects. */
function coerce(value: unknown, leaves: Leaf[], path: string): unknown {
  const kinds = kindsOf(leaves, path);
  if (typeof value !== "string") return value;
  if (kinds.includes("number") && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (kinds.includes("boolean") && /^(true|1|yes)$/i.test(value)) return true;
  if (kinds.includes("boolean") && /^(false|0|no)$/i.test(value)) return false;
  // A list is written comma-separated: HEARTH_SERVER_TRUST_PROXY=10.0.0.0/8,fd00::/8
  if (kinds.includes("array")) return value.split(",").map((item) => item.trim());
  return value;
}

/** What a setting accepts: one kind, or each of a union's ("boolean|number|array"). */
function kindsOf(leaves: Leaf[], path: string): string[] {
  return leaves.find((leaf) => leaf.path === path)?.kind.split("|") ?? [];
}

function describe(issue: z.core.$ZodIssue, origins: Map<string, { value: unknown; from: string }>): string {
  const path = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((key) => (path ? `${path}.${key}` : key));
    const from = origins.get(keys[0] as string)?.from ?? "configuration";
    return `${keys.join(", ")}: unknown setting (from ${from}). Run with --help to list the settings.`;
  }
  // An item of a list (`server.trustProxy.0`) came with its list: name the list's source and the item.
  let depth = issue.path.length;
  while (depth > 0 && !origins.has(issue.path.slice(0, depth).join("."))) depth--;
  const setting = issue.path.slice(0, depth).join(".");
  const origin = origins.get(setting);
  const value = issue.path
    .slice(depth)
    .reduce((node, key) => (node as Raw | undefined)?.[key as string], origin?.value);
  const given = origin === undefined ? "nothing" : holdsSecret(issue.path) ? "a value (hidden)" : JSON.stringify(value);
  return `${path} = ${given}${origin ? ` (from ${origin.from})` : ""}: ${issue.message}`;
}

function listLeaves(schema: z.ZodType, prefix: string[] = []): Leaf[] {
  const def = (
    schema as unknown as {
      def: { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[] };
    }
  ).def;
  if (def.innerType) return listLeaves(def.innerType, prefix);
  if (def.type === "object" && def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => listLeaves(child, [...prefix, key]));
  }
  const snake = prefix.map((part) => part.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase());
  const kebab = prefix.map((part) => part.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase());
  const kind = def.options ? def.options.map((option) => option.def.type).join("|") : def.type;
  return [{ path: prefix.join("."), kind, env: `HEARTH_${snake.join("_")}`, flag: kebab.join(".") }];
}

function usage(leaves: Leaf[]): string {
  const rows = leaves.map((leaf) => `  --${leaf.flag.padEnd(36)} ${leaf.env.padEnd(44)} ${leaf.kind}`);
  return [
    "Usage: npm start -- [--setting value]…",
    "",
    "Settings come from defaults, then hearth.config.json in the data dir (or the file HEARTH_CONFIG",
    "names), then environment variables, then flags. Also: PORT, HOST, DATABASE_URL, REDIS_URL,",
    "OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, HF_ENDPOINT, HF_TOKEN, LOG_LEVEL, --port, --host,",
    "--data-dir, --models-dir, --database-url, --redis-url, --log-level.",
    "",
    `  ${"flag".padEnd(38)} ${"environment variable".padEnd(44)} type`,
    ...rows,
  ].join("\n");
}

function setPath(target: Raw, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part] as Raw;
  }
  node[parts.at(-1) as string] = value;
}

/**
 * @module
 * What every command starts from: the global options, the server they point at, and an SDK client
 * authenticated the way the user chose (HEARTH_API_KEY, else the stored login).
 */
import { createHearthClient, type HearthClient } from "@hearth/sdk";
import type { Command } from "commander";
import { readLogin } from "./config-store.ts";
import { UsageError } from "./errors.ts";
import { Output } from "./output.ts";

/** The options every command accepts (`hearth --json conversations list`, or after the command). */
export interface GlobalOptions {
  /** --server: the server's address. */
  server?: string | undefined;
  /** --json: JSON on stdout and nothing else. */
  json: boolean;
  /** --verbose: the detail of an error (status, problem body, stack). */
  verbose: boolean;
  /** false with --no-color. */
  color: boolean;
}

export const DEFAULT_SERVER = "http://127.0.0.1:8080";

/** The server and credentials a command uses, and where each came from. */
export interface Connection {
  serverUrl: string;
  serverFrom: "--server" | "HEARTH_URL" | "stored login" | "default";
  apiKey: string | undefined;
  apiKeyFrom: "HEARTH_API_KEY" | "stored login" | undefined;
}

/** The global options of the command being run, wherever on the line they were given. */
export function globalsOf(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<Partial<GlobalOptions>>();
  return {
    server: options.server,
    json: options.json === true,
    verbose: options.verbose === true,
    color: options.color !== false,
  };
}

/**
 * The server: --server, else HEARTH_URL, else the stored login's, else http://127.0.0.1:8080. The
 * key: HEARTH_API_KEY, else the stored login's, but only for the server it was stored for, so
 * pointing `--server` elsewhere never sends the key there.
 */
export function resolveConnection(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Connection {
  const login = readLogin(env);
  const [given, serverFrom] = globals.server
    ? [globals.server, "--server" as const]
    : env.HEARTH_URL
      ? [env.HEARTH_URL, "HEARTH_URL" as const]
      : login
        ? [login.server, "stored login" as const]
        : [DEFAULT_SERVER, "default" as const];
  const serverUrl = normalizeServerUrl(given, serverFrom);
  if (env.HEARTH_API_KEY) return { serverUrl, serverFrom, apiKey: env.HEARTH_API_KEY, apiKeyFrom: "HEARTH_API_KEY" };
  if (login && normalizeServerUrl(login.server, "stored login") === serverUrl) {
    return { serverUrl, serverFrom, apiKey: login.apiKey, apiKeyFrom: "stored login" };
  }
  return { serverUrl, serverFrom, apiKey: undefined, apiKeyFrom: undefined };
}

/** An http(s) address without a trailing slash; anything else is a usage error naming where it came from. */
export function normalizeServerUrl(value: string, from: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${from} is not a server address: ${JSON.stringify(value)} (expected http://host:port)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${from} must be an http:// or https:// address, not ${JSON.stringify(value)}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UsageError(`${from} must be the server's address alone (no query, fragment or credentials)`);
  }
  return url.href.replace(/\/+$/, "");
}

/** What a command's action works with: its global options, its output, the server and a client of it. */
export interface CommandContext {
  globals: GlobalOptions;
  output: Output;
  connection: Connection;
  hearth: HearthClient;
}

/** The context of the command being run (the last argument commander passes to an action). */
export function commandContext(command: Command): CommandContext {
  const globals = globalsOf(command);
  const connection = resolveConnection(globals);
  return {
    globals,
    output: Output.fromOptions(globals),
    connection,
    hearth: createHearthClient({ baseUrl: connection.serverUrl, apiKey: connection.apiKey }),
  };
}

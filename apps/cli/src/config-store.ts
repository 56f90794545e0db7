/**
 * @module
 * The stored login: the server's address and an API key, in `login.json` in the user's config
 * directory. The file is the user's alone (mode 0600 in a 0700 directory) and is replaced whole, so
 * a crash mid-write never leaves half a key behind.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { CliError } from "./errors.ts";

export interface StoredLogin {
  /** The server's address, such as http://127.0.0.1:8080. */
  server: string;
  apiKey: string;
  /** The key's id when `hearth login` created it, so `hearth logout` can revoke it. */
  apiKeyId?: string | undefined;
  /** Who the key belongs to, as the server said when the login was stored. */
  email?: string | undefined;
}

const LOGIN_FILE = "login.json";

/**
 * Where `hearth` keeps its files: HEARTH_CONFIG_DIR, else the platform's place for user settings
 * ($XDG_CONFIG_HOME or ~/.config on Linux, ~/Library/Application Support on macOS, %APPDATA% on Windows).
 */
function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HEARTH_CONFIG_DIR) return env.HEARTH_CONFIG_DIR;
  if (process.platform === "win32" && env.APPDATA) return join(env.APPDATA, "hearth");
  if (process.platform === "darwin") return join(homedir(), "Library", "Application Support", "hearth");
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "hearth");
}

function loginFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), LOGIN_FILE);
}

/** The stored login, or undefined when there is none. A damaged file is an error that says where it is. */
export function readLogin(env: NodeJS.ProcessEnv = process.env): StoredLogin | undefined {
  const file = loginFile(env);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError(`cannot read the stored login ${file}: ${(error as Error).message}`, { cause: error });
  }
  const login = parseLogin(text);
  if (login === undefined) {
    throw new CliError(`the stored login ${file} is damaged: run hearth logout, then hearth login`);
  }
  return login;
}

/** Stores the login, replacing any other: written to a new file, flushed, then renamed over the old one. */
export function writeLogin(login: StoredLogin, env: NodeJS.ProcessEnv = process.env): string {
  const dir = configDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone; the key must not be readable by others.
  chmodSync(dir, 0o700);
  const file = join(dir, LOGIN_FILE);
  const temporary = join(dir, `.${LOGIN_FILE}.${randomBytes(6).toString("hex")}`);
  const descriptor = openSync(temporary, "wx", 0o600);
  try {
    writeSync(descriptor, `${JSON.stringify(login, null, 2)}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  try {
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return file;
}

/** Deletes the stored login; whether there was one. */
export function deleteLogin(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = loginFile(env);
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

function parseLogin(text: string): StoredLogin | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { server, apiKey, apiKeyId, email } = value as Record<string, unknown>;
  if (typeof server !== "string" || typeof apiKey !== "string") return undefined;
  return {
    server,
    apiKey,
    apiKeyId: typeof apiKeyId === "string" ? apiKeyId : undefined,
    email: typeof email === "string" ? email : undefined,
  };
}

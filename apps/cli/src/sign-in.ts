/**
 * @module
 * Turning a password or a given key into a stored login. A password is used once, to create an API
 * key named after this machine; the session it opened is then ended, so only the key remains.
 */
import { hostname } from "node:os";
import { createHearthClient, HearthError, unwrap } from "@hearth/sdk";
import { type StoredLogin, writeLogin } from "./config-store.ts";
import { CliError } from "./errors.ts";

interface SignedInUser {
  id: string;
  username: string;
  email: string;
  role: "admin" | "user";
}

export interface StoredSignIn {
  login: StoredLogin;
  user: SignedInUser;
  /** Where the login was written. */
  file: string;
}

/** The name of the key `hearth login` creates, so the user can recognise it in `hearth keys list`. */
export function defaultKeyName(): string {
  return `hearth CLI on ${hostname()}`.slice(0, 100);
}

/** Signs in with the password, creates an API key, signs the session out, checks the key and stores it. */
export async function storeLoginWithPassword(
  serverUrl: string,
  credentials: { email: string; password: string },
  keyName: string,
): Promise<StoredSignIn> {
  const session = createHearthClient({ baseUrl: serverUrl });
  unwrap(await session.api.POST("/api/auth/login", { body: credentials }));
  let created: { id: string; key: string };
  try {
    created = unwrap(await session.api.POST("/api/api-keys", { body: { name: keyName } }));
  } finally {
    // The key is what stays; the session would otherwise linger on the server until it expires.
    await session.api.POST("/api/auth/logout").catch(() => undefined);
  }
  return storeLoginWithKey(serverUrl, created.key, created.id);
}

/** Checks the key against the server (/api/auth/me) and stores it as the login. */
export async function storeLoginWithKey(serverUrl: string, apiKey: string, apiKeyId?: string): Promise<StoredSignIn> {
  const byKey = createHearthClient({ baseUrl: serverUrl, apiKey });
  const me = await byKey.api.GET("/api/auth/me");
  if (me.error?.code === "unauthenticated") {
    throw new CliError(`${serverUrl} refused this API key (401 unauthenticated)`, { cause: new HearthError(me.error) });
  }
  const { user } = unwrap(me);
  const login: StoredLogin = { server: serverUrl, apiKey, apiKeyId, email: user.email };
  const file = writeLogin(login);
  return { login, user, file };
}

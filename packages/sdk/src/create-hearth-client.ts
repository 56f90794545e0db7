import createClient, { type Client } from "openapi-fetch";
import type { paths } from "./generated/openapi.ts";
import { createHearthFetch } from "./hearth-fetch.ts";
import { Session } from "./session.ts";

export interface HearthClientOptions {
  /** The server's address, such as `https://hearth.example.com` (or "" for the page's own origin in a browser). */
  baseUrl: string;
  /** Authenticate by API key (a Bearer token) instead of signing in. */
  apiKey?: string | undefined;
  /** The fetch to send with (default: the global one). */
  fetch?: typeof fetch | undefined;
  /** How many times a safe request (GET, HEAD) is tried again after a network error, 503 `service-starting` or 429 (default 2). */
  retries?: number | undefined;
  /** The longest Retry-After a retry waits for (default 10 s). */
  maxRetryDelayMs?: number | undefined;
}

/** A client of one Hearth server, signed in by API key or by session. */
export interface HearthClient {
  /**
   * Every route of the API, typed from /openapi.json (an openapi-fetch client): each call answers
   * `{ data }` or `{ error }`, where `error.code` narrows to the problem codes the operation declares.
   */
  readonly api: Client<paths>;
  /** The session kept when signed in by password (its cookie where there is no cookie jar, and its CSRF token). */
  readonly session: Session;
  /** The server's address, as given. */
  readonly baseUrl: string;
}

/** Creates a client; sign in with `api.POST("/api/auth/login")`, or pass an `apiKey`. */
export function createHearthClient(options: HearthClientOptions): HearthClient {
  const session = new Session();
  const hearthFetch = createHearthFetch({
    fetch: options.fetch,
    apiKey: options.apiKey,
    session,
    retries: options.retries,
    maxRetryDelayMs: options.maxRetryDelayMs,
  });
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  return { api: createClient<paths>({ baseUrl, fetch: hearthFetch }), session, baseUrl };
}

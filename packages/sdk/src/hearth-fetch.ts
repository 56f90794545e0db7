import { CSRF_HEADER, type Session } from "./session.ts";

export interface HearthFetchOptions {
  /** The fetch to send with (default: the global one). */
  fetch?: typeof fetch | undefined;
  /** An API key: sent as a Bearer token, and no session is kept. */
  apiKey?: string | undefined;
  /** The session kept for password sign-in (cookie where there is no jar, CSRF token). */
  session: Session;
  /** How many times a safe request (GET, HEAD) is tried again (default 2). */
  retries?: number | undefined;
  /** The longest wait before a retry that a server's Retry-After may ask for; longer, and the answer stands. */
  maxRetryDelayMs?: number | undefined;
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);
const SESSION_BODIES = ["/api/auth/login", "/api/auth/me"];

/**
 * The one fetch every SDK request goes through: it authenticates (API key, or session cookie plus
 * CSRF token), keeps the session up to date, and retries where that cannot repeat an effect: a GET
 * or HEAD after a network error, a 503 `service-starting` or a 429 with Retry-After; any request
 * after a 503 `node-draining` (a node shutting down refuses before doing anything, and the load
 * balancer sends the retry to another node). A POST is never retried otherwise.
 */
export function createHearthFetch(options: HearthFetchOptions): (request: Request) => Promise<Response> {
  const send = options.fetch ?? globalThis.fetch;
  const retries = options.retries ?? 2;
  const maxDelayMs = options.maxRetryDelayMs ?? 10_000;
  const { session } = options;

  const sendOnce = async (request: Request): Promise<Response> => {
    const authenticated = authenticate(request, options.apiKey, session);
    const response = await send(authenticated);
    if (options.apiKey === undefined) await keepSession(request, response, session);
    return response;
  };

  return async (request) => {
    const isSafe = SAFE_METHODS.has(request.method);
    for (let attempt = 0; ; attempt++) {
      const isLast = attempt >= retries;
      let response: Response;
      try {
        response = await sendOnce(isLast ? request : request.clone());
      } catch (error) {
        if (isLast || !isSafe || request.signal.aborted) throw error;
        await sleep(backoffMs(attempt), request.signal);
        continue;
      }
      if (isLast) return response;
      const delayMs = await retryDelayMs(response, attempt, isSafe);
      if (delayMs === undefined || delayMs > maxDelayMs) return response;
      await response.body?.cancel();
      await sleep(delayMs, request.signal);
    }
  };
}

function authenticate(request: Request, apiKey: string | undefined, session: Session): Request {
  const headers = new Headers(request.headers);
  if (apiKey !== undefined) {
    headers.set("Authorization", `Bearer ${apiKey}`);
  } else {
    const cookie = session.cookieHeader();
    if (cookie !== undefined) headers.set("Cookie", cookie);
    if (!SAFE_METHODS.has(request.method) && session.csrfToken !== undefined) {
      headers.set(CSRF_HEADER, session.csrfToken);
    }
  }
  return new Request(request, { headers });
}

/** Sign-in and /me answer the session's CSRF token in their body; sign-out ends the session. */
async function keepSession(request: Request, response: Response, session: Session): Promise<void> {
  const path = new URL(request.url).pathname;
  if (path.endsWith("/api/auth/logout") && response.ok) {
    session.clear();
    return;
  }
  session.take(response.headers);
  if (response.status === 401) session.clear();
  if (!response.ok || !SESSION_BODIES.some((suffix) => path.endsWith(suffix))) return;
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { csrfToken?: unknown } | undefined;
  if (typeof body?.csrfToken === "string") session.csrfToken = body.csrfToken;
}

/** How long to wait before trying a request again, or undefined when its answer stands. */
async function retryDelayMs(response: Response, attempt: number, isSafe: boolean): Promise<number | undefined> {
  const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
  if (response.status === 429) return isSafe ? retryAfter : undefined;
  if (response.status !== 503) return undefined;
  const problem = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { code?: unknown } | undefined;
  if (problem?.code === "node-draining") return retryAfter ?? 0;
  if (problem?.code !== "service-starting" || !isSafe) return undefined;
  return retryAfter ?? backoffMs(attempt);
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

const backoffMs = (attempt: number) => 250 * 2 ** attempt;

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

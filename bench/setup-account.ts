/** Creates the first admin (and more users) through the public API; returns a session cookie and an API key each. */

export interface Credentials {
  sessionToken: string;
  apiKey: string;
}

const ACCOUNT = { username: "bench", email: "bench@example.com", password: "bench-password-1" };
const SESSION_COOKIE = "hearth_session";

type Account = typeof ACCOUNT;

export async function setUpAccount(baseUrl: string): Promise<Credentials> {
  await postJson(baseUrl, "/api/setup", ACCOUNT, {}, 201);
  return signIn(baseUrl, ACCOUNT);
}

/** A user named `username`, created by the admin behind `admin`, signed in. */
export async function addUser(baseUrl: string, admin: Credentials, username: string): Promise<Credentials> {
  const account = { username, email: `${username}@example.com`, password: ACCOUNT.password };
  await postJson(baseUrl, "/api/admin/users", account, authHeaders(admin, "api-key"), 201);
  return signIn(baseUrl, account);
}

async function signIn(baseUrl: string, account: Account): Promise<Credentials> {
  const login = await postJson(
    baseUrl,
    "/api/auth/login",
    { email: account.email, password: account.password },
    {},
    200,
  );
  const sessionToken = readCookie(login.response, SESSION_COOKIE);
  const csrfToken = (login.body as { csrfToken?: unknown }).csrfToken;
  if (typeof csrfToken !== "string") throw new Error("POST /api/auth/login answered without a csrfToken.");

  const created = await postJson(
    baseUrl,
    "/api/api-keys",
    { name: "bench" },
    { Cookie: `${SESSION_COOKIE}=${sessionToken}`, "X-CSRF-Token": csrfToken },
    201,
  );
  const apiKey = (created.body as { key?: unknown }).key;
  if (typeof apiKey !== "string") throw new Error("POST /api/api-keys answered without a key.");
  return { sessionToken, apiKey };
}

/** The headers that authenticate as the bench user, one way or the other. */
export function authHeaders(credentials: Credentials, via: "cookie" | "api-key"): Record<string, string> {
  return via === "cookie"
    ? { Cookie: `${SESSION_COOKIE}=${credentials.sessionToken}` }
    : { Authorization: `Bearer ${credentials.apiKey}` };
}

/** Checks once, before any load, that the headers really sign in (a 401 under load would be a wasted run). */
export async function assertSignedIn(baseUrl: string, headers: Record<string, string>): Promise<void> {
  const response = await fetch(`${baseUrl}/api/auth/me`, { headers });
  const body = (await response.json()) as { user?: { username?: unknown } };
  if (response.status !== 200 || body.user?.username !== ACCOUNT.username) {
    throw new Error(`GET /api/auth/me answered ${response.status}: ${JSON.stringify(body)}`);
  }
}

async function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
  expectedStatus: number,
): Promise<{ response: Response; body: unknown }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expectedStatus) {
    throw new Error(`POST ${path} answered ${response.status} (expected ${expectedStatus}): ${text}`);
  }
  return { response, body: text === "" ? null : (JSON.parse(text) as unknown) };
}

function readCookie(response: Response, name: string): string {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const separator = pair?.indexOf("=") ?? -1;
    if (pair !== undefined && separator > 0 && pair.slice(0, separator).trim() === name) {
      return pair.slice(separator + 1).trim();
    }
  }
  throw new Error(`The login response set no ${name} cookie.`);
}

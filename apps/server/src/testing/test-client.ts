/** A small HTTP client for tests over real HTTP: keeps cookies and the CSRF token like a browser app. */
export interface TestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
  /** Send the stored CSRF token (default: yes, when one is stored). */
  csrf?: boolean;
}

export class TestClient {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;

  constructor(readonly baseUrl: string) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) {
      headers.Cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    if (options.csrf !== false && this.csrfToken !== undefined) headers["X-CSRF-Token"] = this.csrfToken;
    let body = options.body;
    if (options.json !== undefined) {
      headers["Content-Type"] ??= "application/json";
      body = JSON.stringify(options.json);
    }
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    this.#storeCookies(response.headers);
    const rotatedCsrf = response.headers.get("X-CSRF-Token");
    if (rotatedCsrf) this.csrfToken = rotatedCsrf;
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: the text stays as the body.
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get = <T = Record<string, unknown>>(path: string, options?: RequestOptions) => this.request<T>("GET", path, options);
  post = <T = Record<string, unknown>>(path: string, json?: unknown, options?: RequestOptions) =>
    this.request<T>("POST", path, { ...options, json });
  patch = <T = Record<string, unknown>>(path: string, json?: unknown, options?: RequestOptions) =>
    this.request<T>("PATCH", path, { ...options, json });
  put = <T = Record<string, unknown>>(path: string, json?: unknown, options?: RequestOptions) =>
    this.request<T>("PUT", path, { ...options, json });
  delete = <T = Record<string, unknown>>(path: string, options?: RequestOptions) =>
    this.request<T>("DELETE", path, options);

  /** Signs in and keeps the session cookie and CSRF token. */
  async logIn(email: string, password: string): Promise<TestResponse> {
    const response = await this.post("/api/auth/login", { email, password });
    if (response.status === 200) this.csrfToken = (response.body as { csrfToken: string }).csrfToken;
    return response;
  }

  #storeCookies(headers: Headers): void {
    for (const cookie of headers.getSetCookie()) {
      const [pair = "", ...attributes] = cookie.split(";");
      const separator = pair.indexOf("=");
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const isExpired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === "";
      if (isExpired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

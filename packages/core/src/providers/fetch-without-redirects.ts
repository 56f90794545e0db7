/**
 * A fetch for providers that refuses redirects. Their base URL is checked, but a server at an
 * allowed address could answer `302 Location: http://169.254.169.254/…` and fetch would follow it,
 * past the check. A provider has no reason to redirect its API calls.
 */
export const fetchWithoutRedirects: typeof fetch = (input, init) => fetch(input, { ...init, redirect: "error" });

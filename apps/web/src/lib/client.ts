import { createHearthClient } from "@hearth/sdk";

/**
 * The one client every screen talks to the server through: the page's own origin, signed in by the
 * session cookie (the SDK keeps the CSRF token that mutations send). Unwrap calls with the SDK's `unwrap`.
 */
export const client = createHearthClient({ baseUrl: "" });

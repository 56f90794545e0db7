import type { UserRow } from "./user-rows.ts";

/** The user a request acts as, and how it proved it. */
export type Principal =
  | {
      via: "session";
      user: UserRow;
      /** The token the client presented. */
      sessionToken: string;
      /** The session as it now stands (its token's hash; after a rotation, the new token's). */
      sessionId: string;
      /** The CSRF token of the session as it now stands (after a rotation, the new one's). */
      csrfToken: string;
    }
  | { via: "api-key"; user: UserRow; apiKeyId: string };

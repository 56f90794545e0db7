export type AccountsProblem =
  | { code: "setup-already-done"; detail: string }
  | { code: "unauthenticated"; detail: string }
  | { code: "invalid-credentials"; detail: string }
  | { code: "wrong-password"; detail: string }
  | { code: "csrf-token-invalid"; detail: string }
  | { code: "admin-required"; detail: string }
  | { code: "email-taken"; detail: string; email: string }
  | { code: "username-taken"; detail: string; username: string }
  | { code: "user-not-found"; detail: string; userId: string }
  | { code: "api-key-not-found"; detail: string; apiKeyId: string }
  | { code: "last-admin"; detail: string; userId: string };

export const accountsProblems = {
  setupAlreadyDone: (): AccountsProblem => ({
    code: "setup-already-done",
    detail: "Hearth is already set up. Sign in, or ask an admin for an account.",
  }),
  unauthenticated: (detail = "Sign in, or send an API key as 'Authorization: Bearer <key>'."): AccountsProblem => ({
    code: "unauthenticated",
    detail,
  }),
  invalidCredentials: (): AccountsProblem => ({ code: "invalid-credentials", detail: "Wrong email or password." }),
  wrongPassword: (): AccountsProblem => ({ code: "wrong-password", detail: "The current password is wrong." }),
  csrfTokenInvalid: (): AccountsProblem => ({
    code: "csrf-token-invalid",
    detail:
      "A request authenticated by the session cookie must send the session's CSRF token in the X-CSRF-Token header.",
  }),
  adminRequired: (): AccountsProblem => ({ code: "admin-required", detail: "Only an admin may do this." }),
  emailTaken: (email: string): AccountsProblem => ({
    code: "email-taken",
    detail: `An account with the email ${email} already exists.`,
    email,
  }),
  usernameTaken: (username: string): AccountsProblem => ({
    code: "username-taken",
    detail: `The username ${username} is taken.`,
    username,
  }),
  userNotFound: (userId: string): AccountsProblem => ({
    code: "user-not-found",
    detail: `No user has the id ${userId}.`,
    userId,
  }),
  apiKeyNotFound: (apiKeyId: string): AccountsProblem => ({
    code: "api-key-not-found",
    detail: `You have no API key with the id ${apiKeyId}.`,
    apiKeyId,
  }),
  lastAdmin: (userId: string): AccountsProblem => ({
    code: "last-admin",
    detail: "This is the last active admin: make another user an admin first.",
    userId,
  }),
};

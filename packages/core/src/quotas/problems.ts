export type QuotasProblem =
  | {
      code: "quota-exceeded";
      detail: string;
      /** The profile whose limit was reached, and which of its limits. */
      profile: string;
      quota: string;
      value: number;
      retryAfterSeconds: number;
    }
  | { code: "rate-limit-profile-not-found"; detail: string; profileId: string }
  | { code: "rate-limit-profile-exists"; detail: string; profileId: string }
  | { code: "assignment-target-not-found"; detail: string; kind: string; id: string };

const WORDS: Record<string, string> = {
  "requests-per-minute": "model calls per minute",
  "requests-per-day": "model calls per day",
  "tokens-per-minute": "tokens per minute",
  "tokens-per-day": "tokens per day",
};

export const quotasProblems = {
  exceeded: (profile: string, quota: string, value: number, retryAfterSeconds: number): QuotasProblem => ({
    code: "quota-exceeded",
    detail:
      `You have used your ${value} ${WORDS[quota] ?? quota} (rate-limit profile ${profile}). Try again in ` +
      `${retryAfterSeconds} seconds, or ask an admin for a larger profile.`,
    profile,
    quota,
    value,
    retryAfterSeconds,
  }),
  notFound: (profileId: string): QuotasProblem => ({
    code: "rate-limit-profile-not-found",
    detail: `No rate-limit profile has the id ${profileId}.`,
    profileId,
  }),
  exists: (profileId: string): QuotasProblem => ({
    code: "rate-limit-profile-exists",
    detail: `A rate-limit profile with the id ${profileId} exists already.`,
    profileId,
  }),
  targetNotFound: (kind: string, id: string): QuotasProblem => ({
    code: "assignment-target-not-found",
    detail: `There is no ${kind === "apiKey" ? "API key" : kind} ${id} to assign a profile to.`,
    kind,
    id,
  }),
};

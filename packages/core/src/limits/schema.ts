import { z } from "@hono/zod-openapi";

const count = (description: string) => z.number().int().min(1).max(1_000_000).openapi({ description });
const bytes = z
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .openapi({ description: "Bytes of message text (UTF-8) the user may store." });

const limitShape = {
  eventStreams: count("Event streams the user may have open at once."),
  apiKeys: count("API keys the user may hold (revoked keys do not count)."),
  conversationsPerMinute: count("Conversations the user may create per minute."),
  messagesPerMinute: count("Messages the user may send, edit or regenerate per minute."),
  storageBytes: bytes,
};

const LimitValues = z.object(limitShape).openapi("UserLimits");

/** Each limit: a number overrides the default for this user, null restores the default, absent leaves it. */
export const LimitOverridesInput = z
  .strictObject({
    eventStreams: limitShape.eventStreams.nullable().optional(),
    apiKeys: limitShape.apiKeys.nullable().optional(),
    conversationsPerMinute: limitShape.conversationsPerMinute.nullable().optional(),
    messagesPerMinute: limitShape.messagesPerMinute.nullable().optional(),
    storageBytes: limitShape.storageBytes.nullable().optional(),
  })
  .openapi("LimitOverridesInput");
export type LimitOverridesInput = z.infer<typeof LimitOverridesInput>;

export const LimitsReport = z
  .object({
    /** What applies to the user: the defaults with the overrides applied. */
    limits: LimitValues,
    defaults: LimitValues,
    overrides: LimitValues.partial().openapi({ description: "Only the limits an admin set for this user." }),
    usage: z.object({
      storedBytes: z
        .number()
        .int()
        .openapi({ description: "Bytes of message text stored, deleted conversations included." }),
      apiKeys: z.number().int().openapi({ description: "API keys held." }),
    }),
    rateLimits: z
      .object({
        profile: z.string().openapi({ description: "The rate-limit profile that applies (an admin assigns them)." }),
        quotas: z.array(
          z.object({
            name: z.enum(["requests-per-minute", "requests-per-day", "tokens-per-minute", "tokens-per-day"]),
            limit: z.number().int(),
            windowSeconds: z.number().int(),
            unit: z.enum(["requests", "tokens"]),
            remaining: z.number().int(),
            resetSeconds: z.number().int().openapi({ description: "Seconds until all of it is back." }),
          }),
        ),
      })
      .nullable()
      .openapi({ description: "The rate-limit profile that applies and where the caller stands in it; null: none." }),
  })
  .openapi("LimitsReport");
export type LimitsReport = z.infer<typeof LimitsReport>;

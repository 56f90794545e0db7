import { z } from "@hono/zod-openapi";
import { openApiPattern } from "../http/plain-text.ts";
import { describeUrlProblem } from "./provider-url.ts";

/** The embedded engine's id: no configured provider may take it. */
const LOCAL_ID = "local";

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const ID_RULE = "may hold lowercase letters, digits and '-' (1–32 characters, starting with a letter or digit)";

const ProviderIdText = z.string().regex(PROVIDER_ID, ID_RULE);

const ProviderId = ProviderIdText.refine((id) => id !== LOCAL_ID, {
  message: `"${LOCAL_ID}" is the embedded engine's id; choose another`,
}).openapi({
  description: "Unique; the prefix of its models' qualified ids (`ollama` in `ollama/llama3.2`). Cannot change.",
  example: "ollama",
  pattern: openApiPattern(PROVIDER_ID),
});

export const ProviderKind = z.enum(["openai-compatible", "ollama"]).openapi("ProviderKind");
export type ProviderKind = z.infer<typeof ProviderKind>;

const BaseUrl = z
  .string()
  .trim()
  .max(2048)
  .superRefine((url, context) => {
    const problem = describeUrlProblem(url);
    if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
  })
  .openapi({ example: "http://127.0.0.1:11434/v1", format: "uri" });

const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;
const text = (maxLength: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(maxLength)
    .regex(NO_CONTROL_CHARACTERS, "must not hold control characters")
    .openapi({ pattern: openApiPattern(NO_CONTROL_CHARACTERS) });

const ApiKeyText = text(4096).openapi({
  format: "password",
  description: "Sent to the provider; stored encrypted and never returned.",
});

const ModelAllowList = z
  .array(text(256))
  .max(1000)
  .transform((models) => [...new Set(models)])
  .openapi({
    description: "The provider's models that Hearth offers (ids within the provider); absent or null: all of them.",
    example: ["llama3.2:latest"],
  });

const TimeoutSeconds = z.number().int().min(1).max(600).openapi({
  description: "How long a call to the provider may take before it counts as unavailable.",
});

const providerShape = {
  id: ProviderId,
  kind: ProviderKind,
  baseUrl: BaseUrl,
  apiKey: ApiKeyText.optional(),
  models: ModelAllowList.optional(),
  timeoutSeconds: TimeoutSeconds.default(30),
  enabled: z.boolean().default(true),
};

/** A provider as the config file gives it (`models.providers`). */
export const ProviderConfig = z.strictObject(providerShape);
export type ProviderConfig = z.infer<typeof ProviderConfig>;

export const CreateProviderInput = z.strictObject(providerShape).openapi("CreateProviderInput");
export type CreateProviderInput = z.infer<typeof CreateProviderInput>;

export const UpdateProviderInput = z
  .strictObject({
    kind: ProviderKind.optional(),
    baseUrl: BaseUrl.optional(),
    apiKey: ApiKeyText.nullable().optional().openapi({ description: "A new key; null removes the key." }),
    models: ModelAllowList.nullable().optional(),
    timeoutSeconds: TimeoutSeconds.optional(),
    enabled: z.boolean().optional(),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: "give at least one of kind, baseUrl, apiKey, models, timeoutSeconds, enabled",
  })
  .openapi("UpdateProviderInput");
export type UpdateProviderInput = z.infer<typeof UpdateProviderInput>;

export const Provider = z
  .object({
    id: z.string(),
    kind: ProviderKind,
    baseUrl: z.string(),
    hasApiKey: z.boolean().openapi({ description: "Whether a key is stored. The key itself is never returned." }),
    models: z.array(z.string()).nullable().openapi({ description: "The allow-list; null: every model." }),
    timeoutSeconds: z.number().int(),
    enabled: z.boolean(),
    source: z.enum(["config", "admin"]).openapi({
      description: "`config`: from the config file, changed only there; `admin`: created through this API.",
    }),
    createdAt: z.iso.datetime().nullable(),
    updatedAt: z.iso.datetime().nullable(),
  })
  .openapi("Provider");
export type Provider = z.infer<typeof Provider>;

export const ConnectionTest = z
  .union([
    z.object({
      ok: z.literal(true),
      models: z.array(z.string()).openapi({ description: "Every model the provider offers, before the allow-list." }),
      ms: z.number().int(),
    }),
    z.object({ ok: z.literal(false), reason: z.string(), ms: z.number().int() }),
  ])
  .openapi("ConnectionTest");
export type ConnectionTest = z.infer<typeof ConnectionTest>;

export const ProviderIdParam = z.object({
  id: ProviderIdText.openapi({ param: { name: "id", in: "path" }, example: "ollama" }),
});

/** What the provider factory receives to build one provider. */
export interface ProviderSettings {
  id: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKey?: string;
  /** A call that takes longer fails with ProviderUnavailableError. */
  timeoutSeconds: number;
}

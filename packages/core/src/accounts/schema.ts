import { z } from "@hono/zod-openapi";
import { openApiPattern, plainText } from "../http/plain-text.ts";

const Role = z.enum(["admin", "user"]).openapi("Role");

export const Theme = z.enum(["light", "dark", "system"]).openapi("Theme", {
  description: "The web app's colours: light, dark, or the device's setting (system).",
});
export type Theme = z.infer<typeof Theme>;

// Not a named component: a reference loses `null` in the document where the user's language may be null.
export const Language = z.enum(["en", "de", "es", "fr"]);
export type Language = z.infer<typeof Language>;

const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: "must be an email address" }))
  .transform((email) => email.toLowerCase())
  .openapi({ example: "ada@example.com" });

const USERNAME = /^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u;
const Username = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(USERNAME, "may hold letters, digits, '_', '.' and '-', and starts with a letter or digit")
  .openapi({ example: "ada", pattern: openApiPattern(USERNAME) });

// The upper bound stops a megabyte "password" from costing an argon2 run over it.
const Password = z.string().min(8, "must be at least 8 characters").max(1024).openapi({ format: "password" });

export const User = z
  .object({
    id: z.uuid(),
    username: z.string(),
    email: z.string(),
    role: Role,
    disabled: z.boolean(),
    timeZone: z.string().openapi({
      description: "The user's IANA time zone (UTC until set): the current_time tool answers in it.",
      example: "Europe/Oslo",
    }),
    theme: Theme,
    language: Language.nullable().openapi({
      description:
        "The web app's language (English, German, Spanish or French); null: the browser's (English where it " +
        "prefers none of the four).",
    }),
    createdAt: z.iso.datetime(),
  })
  .openapi("User");
export type User = z.infer<typeof User>;

export const SetupInput = z.object({ username: Username, email: Email, password: Password }).openapi("SetupInput");
export type SetupInput = z.infer<typeof SetupInput>;

export const LoginInput = z
  .object({ email: Email, password: z.string().min(1).max(1024).openapi({ format: "password" }) })
  .openapi("LoginInput");

export const CreateUserInput = z
  .object({ username: Username, email: Email, password: Password, role: Role.default("user") })
  .openapi("CreateUserInput");
export type CreateUserInput = z.infer<typeof CreateUserInput>;

export const UpdateUserInput = z
  .object({ role: Role.optional(), disabled: z.boolean().optional() })
  .refine((input) => input.role !== undefined || input.disabled !== undefined, {
    message: "give at least one of role, disabled",
  })
  .openapi("UpdateUserInput");
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;

/** An IANA time zone name that this runtime knows (`Intl`), such as Europe/Oslo, America/Lima or UTC. */
const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, "must be an IANA time zone name, such as Europe/Oslo, America/Lima or UTC")
  .openapi({ example: "Europe/Oslo" });

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const UpdateMeInput = z
  .strictObject({
    timeZone: TimeZone.optional(),
    theme: Theme.optional(),
    language: Language.nullable()
      .optional()
      .openapi({ description: "The web app's language (en, de, es, fr); null: follow the browser's." }),
  })
  .refine((input) => Object.values(input).some((value) => value !== undefined), {
    message: "give at least one of timeZone, theme, language",
  })
  .openapi("UpdateMeInput");
export type UpdateMeInput = z.infer<typeof UpdateMeInput>;

// The current password is bounded as at login: a megabyte guess must not cost an argon2 run over it.
export const ChangePasswordInput = z
  .strictObject({
    currentPassword: z.string().min(1).max(1024).openapi({ format: "password" }),
    newPassword: Password,
  })
  .openapi("ChangePasswordInput");
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

export const ApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, to recognise it in a list." }),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKey>;

export const CreateApiKeyInput = z.object({ name: plainText(100) }).openapi("CreateApiKeyInput");

export const CreatedApiKey = ApiKey.extend({
  key: z.string().openapi({ description: "The secret. Shown once: Hearth keeps only its hash." }),
}).openapi("CreatedApiKey");

export const IdParam = z.object({
  id: z.uuid({ error: "must be a UUID" }).openapi({ param: { name: "id", in: "path" } }),
});

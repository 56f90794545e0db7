/**
 * @module The body of `POST /v1/completions`, OpenAI's legacy text completions. The port has no raw
 * completion call, so the prompt goes to the model as one user message (its chat template applies).
 * Options Hearth cannot honour are refused when set to anything but their defaults; fields it has no
 * use for are dropped, and `null` counts as absent.
 */
import { z } from "@hono/zod-openapi";
import { Stop, TokenCount } from "./chat-completion-request.ts";

const Prompt = z
  .union([z.string(), z.array(z.unknown())], { error: "must be a string, or a list holding one string" })
  .superRefine((prompt, context) => {
    if (typeof prompt === "string") return;
    if (prompt.length !== 1) {
      context.addIssue({
        code: "custom",
        message: "must hold exactly one prompt: Hearth writes one completion per request",
      });
    } else if (typeof prompt[0] !== "string") {
      const message =
        Array.isArray(prompt[0]) || typeof prompt[0] === "number"
          ? "token arrays are not supported: send the prompt as text"
          : "must be a string, or a list holding one string";
      context.addIssue({ code: "custom", path: [0], message });
    }
  })
  .transform((prompt) => (typeof prompt === "string" ? prompt : (prompt[0] as string)))
  .openapi({ description: "The text to complete, as a string (or a list of one string)." });

export const CompletionRequest = z
  .object({
    model: z.string().min(1).max(512).openapi({ example: "local/qwen2.5-1.5b-q4_k_m" }),
    prompt: Prompt,
    // OpenAI's default for this API.
    max_tokens: TokenCount.nullish().openapi({ description: "The longest completion, in tokens; 16 when absent." }),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
    stop: Stop.nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    n: z.literal(1, { error: "only 1 is supported: Hearth writes one choice per request" }).nullish(),
    best_of: z.literal(1, { error: "only 1 is supported: Hearth writes one choice per request" }).nullish(),
    // Accepted only at the values that mean "off", which is all Hearth can do.
    echo: z
      .boolean()
      .nullish()
      .refine((echo) => echo !== true, "is not supported: the prompt is not repeated in the completion"),
    logprobs: z
      .number()
      .int()
      .nullish()
      .refine((logprobs) => logprobs == null, "is not supported: no log probabilities are given"),
    suffix: z
      .string()
      .nullish()
      .refine((suffix) => suffix == null || suffix === "", "is not supported: text is only written after the prompt"),
  })
  .openapi("CompletionRequest");
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const DEFAULT_MAX_TOKENS = 16;

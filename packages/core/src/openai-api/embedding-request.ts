/**
 * @module The body of `POST /v1/embeddings`. Inputs are text: token arrays are refused, as Hearth
 * cannot turn another tokenizer's ids back into text. Unknown fields are dropped; `null` counts as absent.
 */
import { z } from "@hono/zod-openapi";

/** OpenAI's own bound on the inputs of one request. */
export const MAX_INPUTS = 2048;

const TOKENS_REFUSED = "token arrays are not supported: send text";

const Input = z
  .union([z.string(), z.array(z.unknown())], { error: "must be a string or a list of strings" })
  .superRefine((input, context) => {
    if (typeof input === "string") {
      if (input === "") context.addIssue({ code: "custom", message: "must not be empty" });
      return;
    }
    if (input.length === 0) context.addIssue({ code: "custom", message: "must hold at least one string" });
    if (input.length > MAX_INPUTS) {
      context.addIssue({ code: "custom", message: `may hold at most ${MAX_INPUTS} strings; got ${input.length}` });
      return;
    }
    if (input.every((item) => typeof item === "number")) {
      context.addIssue({ code: "custom", message: TOKENS_REFUSED });
      return;
    }
    for (const [index, item] of input.entries()) {
      if (typeof item === "string" && item !== "") continue;
      const message = Array.isArray(item)
        ? TOKENS_REFUSED
        : typeof item === "string"
          ? "must not be empty"
          : "must be a string";
      context.addIssue({ code: "custom", path: [index], message });
      return;
    }
  })
  .transform((input) => (typeof input === "string" ? [input] : (input as string[])))
  .openapi({ description: `The text to embed: a string, or a list of up to ${MAX_INPUTS} strings.` });

export const EmbeddingRequest = z
  .object({
    model: z.string().min(1).max(512).openapi({ example: "local/nomic-embed-text-v1.5" }),
    input: Input,
    encoding_format: z.enum(["float", "base64"], { error: "must be 'float' or 'base64'" }).nullish().openapi({
      description: "`base64`: each vector's little-endian float32 bytes, as OpenAI's clients decode them.",
    }),
    dimensions: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .nullish()
      .openapi({ description: "Accepted only as the model's own width: vectors are never shortened." }),
  })
  .openapi("EmbeddingRequest");
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

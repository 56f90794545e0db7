/** @module The sampling options a call can be given, with their ranges: model defaults, assistants and conversations share them. */
import { z } from "@hono/zod-openapi";

/** The sampling a call gets where it sets none, as the port names it. */
export const Sampling = z
  .object({
    temperature: z.number().min(0).max(2).nullish(),
    topP: z.number().gt(0).max(1).nullish(),
    topK: z.number().int().min(1).max(1000).nullish(),
    minP: z.number().min(0).max(1).nullish(),
    repeatPenalty: z.number().min(0.5).max(2).nullish().openapi({ description: "1: no penalty." }),
    maxOutputTokens: z.number().int().min(1).max(1_000_000).nullish().openapi({
      description: "The longest reply where the caller sets none (at most what the context has room for).",
    }),
  })
  .strict()
  .openapi("ModelSampling", {
    description: "Defaults for calls that leave them unset; null or absent: the model's own.",
  });
export type Sampling = z.infer<typeof Sampling>;

import { type components, isHearthError } from "@hearth/sdk";

type Sampling = components["schemas"]["ModelSampling"];

/** The sampling options, in the order the forms show them. */
export const SAMPLING_FIELDS = ["temperature", "topP", "topK", "minP", "repeatPenalty", "maxOutputTokens"] as const;
export type SamplingField = (typeof SAMPLING_FIELDS)[number];
export type SamplingForm = Record<SamplingField, string>;

export function toSamplingForm(sampling: Sampling): SamplingForm {
  return Object.fromEntries(
    SAMPLING_FIELDS.map((name) => [name, sampling[name] == null ? "" : String(sampling[name])]),
  ) as SamplingForm;
}

/**
 * The options filled in, as the API takes them; an empty one is left out (the model's default). Text
 * that is no number goes as it is, so that the server names the field rather than the mistake passing unseen.
 */
export function toSampling(form: SamplingForm): Sampling {
  return Object.fromEntries(
    SAMPLING_FIELDS.flatMap((name) => {
      const text = form[name].trim();
      if (text === "") return [];
      const parsed = Number(text);
      return [[name, Number.isFinite(parsed) ? parsed : text]];
    }),
  ) as Sampling;
}

/** What a refused save says of each field (a 400's issues), by field ("sampling.topK"). */
export function fieldErrors(error: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!isHearthError(error, "validation-failed")) return errors;
  const issues: unknown = error.problem.issues;
  if (!Array.isArray(issues)) return errors;
  for (const issue of issues as { field?: unknown; message?: unknown }[]) {
    if (typeof issue.field === "string" && typeof issue.message === "string") errors[issue.field] ??= issue.message;
  }
  return errors;
}

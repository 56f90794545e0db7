import { isHearthError } from "@hearth/sdk";
import type { TFunction } from "i18next";

/**
 * What to tell a person about a failed request: the server's own detail for a problem (it names
 * what was wrong, in English), or a translated line for a network failure.
 */
export function problemMessage(error: unknown, t: TFunction): string {
  if (isHearthError(error)) {
    if (error.code === "unexpected-response" || error.status >= 500) return t("common:errors.server");
    return error.problem.detail;
  }
  if (error instanceof TypeError) return t("common:errors.network");
  return t("common:errors.unknown");
}

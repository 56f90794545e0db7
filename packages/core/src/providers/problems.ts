export type ProvidersProblem =
  | { code: "provider-not-found"; detail: string; providerId: string }
  | { code: "provider-id-taken"; detail: string; providerId: string }
  | { code: "provider-in-config-file"; detail: string; providerId: string }
  | { code: "provider-url-refused"; detail: string; field: "baseUrl" }
  | { code: "secret-key-unavailable"; detail: string };

export const providersProblems = {
  notFound: (providerId: string): ProvidersProblem => ({
    code: "provider-not-found",
    detail: `No provider has the id ${providerId}.`,
    providerId,
  }),
  idTaken: (providerId: string, isInConfigFile: boolean): ProvidersProblem => ({
    code: "provider-id-taken",
    detail: isInConfigFile
      ? `The config file already defines a provider with the id ${providerId}. Choose another id.`
      : `A provider with the id ${providerId} already exists. Choose another id, or change that one.`,
    providerId,
  }),
  inConfigFile: (providerId: string): ProvidersProblem => ({
    code: "provider-in-config-file",
    detail:
      `The provider ${providerId} is defined in the config file (models.providers): ` +
      "change or remove it there and restart Hearth.",
    providerId,
  }),
  urlRefused: (reason: string): ProvidersProblem => ({
    code: "provider-url-refused",
    detail: reason,
    field: "baseUrl",
  }),
  secretKeyUnavailable: (reason: string): ProvidersProblem => ({ code: "secret-key-unavailable", detail: reason }),
};

import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { ProviderUnavailableError } from "../spec/provider-unavailable-error.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import type { WireError } from "./protocol.ts";

/** An error thrown in the engine process, as it crosses the channel. */
export function toWireError(error: unknown): WireError {
  if (error instanceof NoSuchModelError)
    return { name: "NoSuchModelError", modelId: error.modelId, available: error.available };
  if (error instanceof UnsupportedCallOptionError)
    return { name: "UnsupportedCallOptionError", option: error.option, reason: error.reason };
  if (error instanceof ProviderUnavailableError)
    return { name: "ProviderUnavailableError", providerId: error.providerId, reason: error.reason };
  return { name: "Error", message: error instanceof Error ? error.message : String(error) };
}

/** The error again, of the same class, in Hearth's process. */
export function fromWireError(error: WireError): Error {
  switch (error.name) {
    case "NoSuchModelError":
      return new NoSuchModelError(error.modelId, error.available);
    case "UnsupportedCallOptionError":
      return new UnsupportedCallOptionError(error.option, error.reason);
    case "ProviderUnavailableError":
      return new ProviderUnavailableError(error.providerId, error.reason);
    default:
      return new Error(error.message);
  }
}

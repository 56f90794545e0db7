/** A provider could not be reached, answered too slowly, or answered something that is not its API. */
export class ProviderUnavailableError extends Error {
  constructor(
    readonly providerId: string,
    /** A sentence a person can act on: "Connection refused at http://127.0.0.1:11434." */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Provider ${providerId} is unavailable: ${reason}`, options);
    this.name = "ProviderUnavailableError";
  }
}

/** The requested model is not among the provider's models. */
export class NoSuchModelError extends Error {
  constructor(
    readonly modelId: string,
    readonly available: readonly string[],
  ) {
    super(
      available.length > 0
        ? `No model named ${modelId}. Available: ${available.join(", ")}.`
        : `No model named ${modelId}: no models are installed.`,
    );
    this.name = "NoSuchModelError";
  }
}

/**
 * A provider answered, but not in its API's shape (an HTML page, malformed JSON, a stream that is
 * not one). The message is a sentence a person can act on; providers turn it into
 * ProviderUnavailableError at their boundary.
 */
export class UnexpectedAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnexpectedAnswerError";
  }
}

/** What a non-JSON content type most likely means, for messages. */
export function describeContentType(contentType: string | null): string {
  if (!contentType) return "an answer without a content type";
  if (contentType.includes("text/html")) return "an HTML page";
  return `${contentType.split(";")[0]}`;
}

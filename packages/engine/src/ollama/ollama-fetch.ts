import { describeContentType, UnexpectedAnswerError } from "../remote/unexpected-answer-error.ts";

/** Ollama answered with an error status; `message` is its `error` field or the start of its body. */
export class OllamaStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "OllamaStatusError";
  }
}

const MAX_ERROR_BODY = 300;

async function readStatusError(response: Response): Promise<OllamaStatusError> {
  const text = (await response.text().catch(() => "")).slice(0, 4096);
  let message = text.slice(0, MAX_ERROR_BODY).trim();
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === "string") message = body.error.slice(0, MAX_ERROR_BODY);
  } catch {
    // Not JSON: the text itself says what went wrong (a proxy's page, Go's "404 page not found").
  }
  return new OllamaStatusError(response.status, message);
}

/**
 * Passes an NDJSON body on line by line, and fails it at the first line that is not a JSON object:
 * the lines before it still reach the client.
 */
function checkJsonLines(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let pending = "";
  const check = (line: string): string => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new UnexpectedAnswerError("streamed a line that is not JSON, which Ollama's API never does.");
    }
    if (typeof value !== "object" || value === null)
      throw new UnexpectedAnswerError("streamed a line that is not a JSON object, which Ollama's API never does.");
    return `${line}\n`;
  };
  return new TransformStream({
    transform(chunk, controller) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) controller.enqueue(encoder.encode(check(line)));
    },
    flush(controller) {
      const last = pending + decoder.decode();
      if (last.trim()) controller.enqueue(encoder.encode(check(last)));
    },
  });
}

/**
 * The fetch the ollama client sends one call's requests with. It adds the call's signal (the
 * client takes none for most requests), and checks answers before the client reads them: an error
 * status becomes an OllamaStatusError, a body that is not JSON an UnexpectedAnswerError, and a
 * stream line that is not JSON fails the stream (the client would log it and skip it). Their
 * messages say what the server did, for "<address> <message>".
 */
export function createOllamaFetch(baseFetch: typeof fetch, signal: AbortSignal): typeof fetch {
  return async (input, init) => {
    const signals = init?.signal ? [signal, init.signal] : [signal];
    const response = await baseFetch(input, { ...init, signal: AbortSignal.any(signals) });
    if (!response.ok) throw await readStatusError(response);
    const contentType = response.headers.get("content-type");
    if (!contentType?.includes("json")) {
      await response.body?.cancel();
      throw new UnexpectedAnswerError(
        `answered ${describeContentType(contentType)} where Ollama's API answers JSON: check the address.`,
      );
    }
    if (!contentType.includes("ndjson") || !response.body) return response;
    return new Response(response.body.pipeThrough(checkJsonLines()), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

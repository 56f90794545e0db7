/**
 * @module Among nodes, sends a /v1 request for a local model this node does not hold to a node that
 * holds it (see send-to-holder.ts in core). The client's headers go as they came (its credentials,
 * its Hearth-Via chain), with this request's id and trace; the holder's answer, a stream or not,
 * comes back as it was sent. A holder that cannot be reached or answers 503 (draining, starting, or
 * the model will not load there) did nothing with the request, so the next holder is asked.
 */
import { FORWARDED_BY_HEADER, type Logger, raise } from "@hearth/core";
import { context, propagation } from "@opentelemetry/api";

/** Headers that belong to one connection (RFC 9110 §7.6.1), or that fetch sets from the body. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "host",
  "content-length",
  // fetch decodes a compressed body but keeps the header: passed on, it would describe the wrong bytes.
  "content-encoding",
]);

export interface NodeForwarding {
  nodeId: string;
  /** Where the other nodes that hold a local model (by its id within the local provider) can be reached. */
  holders(modelId: string): Promise<string[]>;
  logger: Logger;
}

/** Sends the request to a node that holds `model`; undefined when none does. */
export function forwardToHolder(deps: NodeForwarding) {
  return async (
    model: string,
    request: Request,
    body: ArrayBuffer,
    requestId: string,
  ): Promise<Response | undefined> => {
    const modelId = model.slice(model.indexOf("/") + 1);
    const urls = shuffle(await deps.holders(modelId));
    if (urls.length === 0) return undefined;
    const headers = withoutHopByHop(request.headers);
    headers.set(FORWARDED_BY_HEADER, deps.nodeId);
    headers.set("X-Request-Id", requestId);
    // The holder logs the same request id and continues this request's trace.
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    for (const [name, value] of Object.entries(carrier)) headers.set(name, value);
    const { pathname, search } = new URL(request.url);
    let refused: Response | undefined;
    for (const url of urls) {
      let answer: Response;
      try {
        answer = await fetch(new URL(pathname + search, url), {
          method: request.method,
          headers,
          body,
          signal: request.signal,
          redirect: "manual",
        });
      } catch (error) {
        // The client went away: nothing more to do for it.
        if (request.signal.aborted) throw error;
        deps.logger.warn({ err: error, node: url, model }, "a node that holds the model cannot be reached");
        continue;
      }
      if (answer.status !== 503) return passOn(answer);
      await refused?.body?.cancel();
      refused = answer;
    }
    if (refused !== undefined) return passOn(refused);
    raise({
      code: "model-unavailable",
      detail: `${model} cannot be used now: the nodes that hold it cannot be reached`,
      model,
      reason: "the nodes that hold it cannot be reached",
    });
  };
}

function passOn(answer: Response): Response {
  return new Response(answer.body, { status: answer.status, headers: withoutHopByHop(answer.headers) });
}

function withoutHopByHop(from: Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of from) if (!HOP_BY_HOP.has(name)) headers.append(name, value);
  return headers;
}

/** Spreads the requests over the holders. */
function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

import type { HearthClient } from "./create-hearth-client.ts";
import type { components } from "./generated/openapi.ts";
import { HearthError } from "./hearth-error.ts";
import { DEFAULT_RETRY_MS, eventStreamOf, pauseBeforeReconnect, readServerSentEvents } from "./server-sent-events.ts";

/** A model pull (admins): what it pulls, its status and its progress. */
export type ModelPull = components["schemas"]["ModelPull"];

export interface FollowModelPullOptions {
  /** Called with the pull each time its progress changes (each `progress` event; the end is what the promise resolves to). */
  onProgress?: ((pull: ModelPull) => void) | undefined;
  /** Stops following: the promise rejects with the signal's reason. The pull goes on; DELETE it to cancel it. */
  signal?: AbortSignal | undefined;
  /** Connections that may fail in a row, the server unreachable, before giving up (default 30: about a minute and a half). */
  maxFailedConnects?: number | undefined;
}

const DEFAULT_MAX_FAILED_CONNECTS = 30;

/**
 * Follows a model pull's progress to its end and resolves to the pull as it ended: `done`, `failed`
 * (its `error` says why) or `cancelled`; an ended pull resolves at once. A dropped connection is
 * made again (the stream starts with the pull as it is, so nothing is lost), as a download can
 * outlast a connection and even the server (a restarted server resumes it). A problem answered
 * when connecting (404 `model-pull-not-found`, 403 `admin-required`) is thrown as a `HearthError`.
 */
export async function followModelPull(
  client: HearthClient,
  pullId: string,
  options: FollowModelPullOptions = {},
): Promise<ModelPull> {
  const { signal } = options;
  const maxFailedConnects = options.maxFailedConnects ?? DEFAULT_MAX_FAILED_CONNECTS;
  let retryMs = DEFAULT_RETRY_MS;
  let failedConnects = 0;
  for (;;) {
    signal?.throwIfAborted();
    let body: ReadableStream<Uint8Array>;
    try {
      body = await connect(client, pullId, signal);
    } catch (error) {
      signal?.throwIfAborted();
      failedConnects++;
      if (error instanceof HearthError || failedConnects >= maxFailedConnects) throw error;
      await pauseBeforeReconnect(retryMs, signal);
      continue;
    }
    failedConnects = 0;
    const end = await readUntilEnd(body, {
      ...options,
      onRetry: (ms) => {
        retryMs = ms;
      },
    });
    if (end !== undefined) return end;
    // The connection dropped, or the server closed it (a node shutting down) before the end.
    await pauseBeforeReconnect(retryMs, signal);
  }
}

/**
 * Reads one connection's events: answers the `end` event's pull, or undefined when the connection
 * ended first. Only a failed read counts as a dropped connection: what `onProgress` throws, and data
 * that is not JSON, are the caller's to see.
 */
async function readUntilEnd(
  body: ReadableStream<Uint8Array>,
  options: FollowModelPullOptions & { onRetry: (ms: number) => void },
): Promise<ModelPull | undefined> {
  const events = readServerSentEvents(body, { signal: options.signal, onRetry: options.onRetry });
  try {
    for (;;) {
      let next: IteratorResult<{ event?: string | undefined; data: string }, void>;
      try {
        next = await events.next();
      } catch {
        return undefined;
      }
      if (next.done === true) return undefined;
      const { event, data } = next.value;
      if (event === "end") return JSON.parse(data) as ModelPull;
      if (event === "progress") options.onProgress?.(JSON.parse(data) as ModelPull);
    }
  } finally {
    await events.return();
  }
}

async function connect(
  client: HearthClient,
  pullId: string,
  signal: AbortSignal | undefined,
): Promise<ReadableStream<Uint8Array>> {
  const result = await client.api.GET("/api/admin/models/pulls/{id}/events", {
    params: { path: { id: pullId } },
    parseAs: "stream",
    headers: { Accept: "text/event-stream" },
    ...(signal === undefined ? {} : { signal }),
  });
  return eventStreamOf(result);
}

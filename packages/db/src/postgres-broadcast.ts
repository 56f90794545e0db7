import pg from "pg";
import { type Broadcast, type BroadcastOptions, MAX_BROADCAST_BYTES } from "./broadcast.ts";

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;

/**
 * The PostgreSQL adapter: LISTEN/NOTIFY. Listens on `channel` over a connection of its own (a pooled one would be handed to queries), and
 * comes back by itself, with growing pauses, when the connection drops. Resolves once listening.
 */
export async function openPostgresBroadcast(options: BroadcastOptions & { url: string }): Promise<Broadcast> {
  const { url, channel, onMessage, onReconnect, onError } = options;
  const quoted = `"${channel.replaceAll('"', '""')}"`;
  let client: pg.Client | undefined;
  let isClosed = false;
  let retryMs = RETRY_MIN_MS;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<pg.Client> => {
    const next = new pg.Client({ connectionString: url });
    next.on("notification", (notification) => {
      if (notification.channel === channel && notification.payload !== undefined) onMessage(notification.payload);
    });
    next.on("error", (error) => {
      onError(error);
      lost(next);
    });
    next.on("end", () => lost(next));
    await next.connect();
    await next.query(`LISTEN ${quoted}`);
    return next;
  };

  const lost = (which: pg.Client) => {
    if (client !== which) return;
    client = undefined;
    which.end().catch(() => {});
    if (!isClosed) scheduleReconnect();
  };

  const scheduleReconnect = () => {
    retry = setTimeout(() => {
      connect().then(
        (next) => {
          if (isClosed) {
            next.end().catch(() => {});
            return;
          }
          client = next;
          retryMs = RETRY_MIN_MS;
          onReconnect();
        },
        (error: unknown) => {
          onError(error);
          retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
          if (!isClosed) scheduleReconnect();
        },
      );
    }, retryMs);
    retry.unref();
  };

  client = await connect();
  return {
    async send(message) {
      if (Buffer.byteLength(message) > MAX_BROADCAST_BYTES) throw new Error("a broadcast message must fit a NOTIFY");
      if (client === undefined) throw new Error("the broadcast connection is down; it reconnects by itself");
      await client.query("SELECT pg_notify($1, $2)", [channel, message]);
    },
    isConnected: () => client !== undefined,
    async close() {
      isClosed = true;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    },
  };
}

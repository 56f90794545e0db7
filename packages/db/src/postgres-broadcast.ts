import pg from "pg";

/**
 * Short text messages to every process connected to the same PostgreSQL database, through
 * LISTEN/NOTIFY: how Hearth nodes tell each other what happened (a NOTIFY payload holds at most
 * 8,000 bytes, so messages announce, they do not carry).
 */
export interface Broadcast {
  /** Sends to every listener of the channel, this process's included. */
  send(message: string): Promise<void>;
  close(): Promise<void>;
}

export interface BroadcastOptions {
  url: string;
  channel: string;
  onMessage(message: string): void;
  /**
   * The connection came back after it was lost: messages sent meanwhile were missed, so whatever
   * they would have announced must be looked up.
   */
  onReconnect(): void;
  onError(error: unknown): void;
}

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
/** PostgreSQL's limit on a NOTIFY payload, in bytes. */
export const MAX_NOTIFY_BYTES = 7_999;

/**
 * Listens on `channel` over a connection of its own (a pooled one would be handed to queries), and
 * comes back by itself, with growing pauses, when the connection drops. Resolves once listening.
 */
export async function openPostgresBroadcast(options: BroadcastOptions): Promise<Broadcast> {
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
      if (Buffer.byteLength(message) > MAX_NOTIFY_BYTES) throw new Error("a broadcast message must fit a NOTIFY");
      if (client === undefined) throw new Error("the broadcast connection is down; it reconnects by itself");
      await client.query("SELECT pg_notify($1, $2)", [channel, message]);
    },
    async close() {
      isClosed = true;
      clearTimeout(retry);
      const last = client;
      client = undefined;
      await last?.end().catch(() => {});
    },
  };
}

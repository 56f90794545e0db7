/**
 * Short text messages to every Hearth process listening on the same channel: how nodes tell each
 * other what happened. Messages announce, they do not carry (a PostgreSQL NOTIFY holds at most 8,000
 * bytes), and one may be lost while a connection is down: `onReconnect` says when to look again.
 * Two adapters: PostgreSQL LISTEN/NOTIFY and Redis pub/sub.
 */
export interface Broadcast {
  /** Sends to every listener of the channel, this process's included. */
  send(message: string): Promise<void>;
  /** Whether messages flow now: false while the connection is down and being made again. */
  isConnected(): boolean;
  close(): Promise<void>;
}

export interface BroadcastOptions {
  channel: string;
  onMessage(message: string): void;
  /**
   * The connection came back after it was lost: messages sent meanwhile were missed, so whatever
   * they would have announced must be looked up.
   */
  onReconnect(): void;
  onError(error: unknown): void;
}

/** The most one message may hold, in bytes: what a NOTIFY carries, so both adapters take the same. */
export const MAX_BROADCAST_BYTES = 7_999;

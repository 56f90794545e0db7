import { Redis } from "ioredis";

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** A command Redis does not answer within this fails: a limit check never waits on a dead server. */
const COMMAND_TIMEOUT_MS = 1_000;

/**
 * One GCRA step on a key, atomically (a script runs alone). The key holds the theoretical arrival
 * time (TAT) in milliseconds. `take`: moves it by `step` if that stays within `window` of now, else
 * leaves it; `give`: moves it back by `step`; `peek`: reads it. Answers the TAT after, as a string (a
 * Lua number would come back cut to an integer), and 1 or 0 for taken. The key lives as long as its
 * TAT is ahead of now, plus a window, so Redis forgets what no longer limits anything.
 */
const GCRA = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local step = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local mode = ARGV[4]
local function store(value)
  if value > now then
    redis.call('SET', KEYS[1], string.format('%.3f', value), 'PX', math.ceil(value - now + window))
  else
    redis.call('DEL', KEYS[1])
  end
end
if mode == 'take' then
  local after = math.max(tat, now) + step
  if after <= now + window then
    store(after)
    return {1, string.format('%.3f', after)}
  end
  return {0, string.format('%.3f', tat)}
elseif mode == 'give' then
  if tat > 0 then
    tat = tat - step
    store(tat)
  end
end
return {1, string.format('%.3f', tat)}
`;

/** Rate-limit state in Redis: the commands the GCRA needs, over one connection. */
export interface RedisRates {
  /** Runs one GCRA step (see GCRA); the TAT after (ms since the epoch, 0: none) and whether it took. */
  gcra(
    key: string,
    nowMs: number,
    stepMs: number,
    windowMs: number,
    mode: "take" | "give" | "peek",
  ): Promise<{ taken: boolean; tatMs: number }>;
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * Connects to Redis for rate limits. Commands fail at once while it is away (no offline queue) and
 * after COMMAND_TIMEOUT_MS when it does not answer, so callers can fall back; the connection comes
 * back by itself. Rejects if Redis cannot be reached at start.
 */
export async function openRedisRates(options: {
  url: string;
  /** Keys are prefixed, so one Redis can serve several installations. */
  prefix?: string;
  onError: (error: unknown) => void;
}): Promise<RedisRates> {
  const prefix = options.prefix ?? "hearth:rate:";
  const redis = new Redis(options.url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt: number) => Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** (attempt - 1)),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectionName: "hearth-rates",
  });
  let isClosed = false;
  let isReported = false;
  redis.on("error", (error: unknown) => {
    if (isClosed || isReported) return;
    isReported = true;
    options.onError(error);
  });
  redis.on("ready", () => {
    isReported = false;
  });
  redis.defineCommand("hearthGcra", { numberOfKeys: 1, lua: GCRA });
  try {
    await redis.connect();
  } catch (error) {
    isClosed = true;
    redis.disconnect();
    throw error;
  }
  const run = redis as unknown as {
    hearthGcra(key: string, ...args: (string | number)[]): Promise<[number, string]>;
  };
  return {
    async gcra(key, nowMs, stepMs, windowMs, mode) {
      const [taken, tat] = await run.hearthGcra(`${prefix}${key}`, nowMs, stepMs, windowMs, mode);
      return { taken: taken === 1, tatMs: Number(tat) };
    },
    isConnected: () => redis.status === "ready",
    async close() {
      isClosed = true;
      redis.disconnect();
    },
  };
}

/**
 * The `cluster` section: SSE fan-out across three nodes that share PostgreSQL and Redis. The same
 * replies, written on one node, are followed first by one client per node (the baseline), then by
 * 1,000 clients spread over the three; each node's event-loop lag and memory, and how long the
 * last client waited for each reply's end, are compared between the two in the same run. Then one
 * node keeps the model and 1, 2 and 3 API-only nodes (no models) take the same load of replies,
 * against the engine node asked directly: replies per second and time to first token.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasRedisServer, startTestRedis, type TestRedis } from "@hearth/db/testing";
import { writeTestModel } from "@hearth/engine/testing";
import { createParser } from "eventsource-parser";
import { undoOnInterrupt } from "./cleanup.ts";
import { openBenchPostgres } from "./postgres-server.ts";
import { median, percentile, type Row } from "./report.ts";
import { readMemory, type ServerProcess, startServer } from "./server-process.ts";
import { authHeaders, setUpAccount } from "./setup-account.ts";

const NODES = 3;
const METRICS_TOKEN = "bench-cluster-metrics-token";

export interface ClusterSettings {
  /** Clients following the conversation in the fan-out phase, spread evenly over the nodes. */
  fanOutClients: number;
  /** Replies per phase. */
  replies: number;
  postgresUrl: string | undefined;
}

interface NodeFigures {
  /** Event-loop lag p99 and max over the phase, ms (prom-client's monitor, 10 ms resolution). */
  lagP99Ms: number;
  lagMaxMs: number;
  rssMb: number;
}

interface PhaseFigures {
  clients: number;
  nodes: NodeFigures[];
  /** From POST to the reply's `message.done` reaching a client: the median reply's p50 and p95 over clients, and its slowest. */
  doneP50Ms: number;
  doneP95Ms: number;
  doneMaxMs: number;
  eventsReceived: number;
  /** How long opening all the clients' streams took. */
  openMs: number;
}

interface PlacementRun {
  /** API-only nodes the load went through; 0: the engine node asked directly. */
  apiNodes: number;
  repliesPerSecond: number;
  /** From POST to the first `message.delta` at a client of the node asked, ms. */
  firstTokenP50Ms: number;
  firstTokenP95Ms: number;
}

export interface ClusterFigures {
  database: string;
  replyTokens: number;
  baseline: PhaseFigures;
  fanOut: PhaseFigures;
  /** Replies at once during the placement runs (each conversation sends its next when one ends). */
  placementConcurrency: number;
  placement: PlacementRun[];
}

/** Conversations sending at once, and replies each sends, in every placement run. */
const PLACEMENT_CONCURRENCY = 4;
const PLACEMENT_ROUNDS = 4;

/** Runs the section, or says why it cannot (no PostgreSQL, no redis-server). */
export async function measureCluster(
  root: string,
  settings: ClusterSettings,
  progress: (message: string) => void,
): Promise<ClusterFigures | { skipped: string }> {
  if (!hasRedisServer()) return { skipped: "redis-server is not installed (on Debian: apt-get install redis-server)" };
  const postgres = await openBenchPostgres(settings.postgresUrl, progress);
  if ("skipped" in postgres) return postgres;
  const dir = await mkdtemp(join(tmpdir(), "hearth-bench-cluster-"));
  let redis: TestRedis | undefined;
  const nodes: ServerProcess[] = [];
  const cleanUp = async () => {
    for (const node of nodes) await node.stop().catch(() => {});
    await redis?.stop();
    await postgres.close();
    await rm(dir, { recursive: true, force: true });
  };
  const forget = undoOnInterrupt(cleanUp);
  try {
    redis = await startTestRedis();
    await mkdir(join(dir, "models"));
    await writeTestModel(join(dir, "models", "tiny-chat.gguf"));
    const replyTokens = 200;
    const env = {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      HEARTH_MODELS_DIR: join(dir, "models"),
      HEARTH_SECRET_KEY: "a".repeat(64),
      HEARTH_METRICS_TOKEN: METRICS_TOKEN,
      HEARTH_ENGINE_GPU: "off",
      HEARTH_ENGINE_CONTEXT_SIZE: "1024",
      HEARTH_CHAT_MAX_REPLY_TOKENS: String(replyTokens),
      HEARTH_LIMITS_EVENT_STREAMS: String(settings.fanOutClients + 10),
      HEARTH_LIMITS_MESSAGES_PER_MINUTE: "1000",
      HEARTH_CHAT_MAX_REPLIES_IN_PROGRESS: "50",
      // The placement runs write PLACEMENT_CONCURRENCY replies at once on the engine node.
      HEARTH_ENGINE_SEQUENCES_PER_MODEL: String(PLACEMENT_CONCURRENCY),
    };
    for (let index = 0; index < NODES; index++) {
      progress(`cluster: starting node ${index + 1} of ${NODES}`);
      nodes.push(await startServer(root, { env }));
    }
    const writer = nodes[0] as ServerProcess;
    const credentials = await setUpAccount(writer.baseUrl);
    const headers = authHeaders(credentials, "api-key");
    // A first reply loads the model on the writing node, outside the figures.
    await runPhase(nodes, writer, headers, NODES, 1);

    progress(`cluster: baseline, ${NODES} clients (one per node), ${settings.replies} replies`);
    const baseline = await runPhase(nodes, writer, headers, NODES, settings.replies);
    progress(`cluster: fan-out, ${settings.fanOutClients} clients over ${NODES} nodes, ${settings.replies} replies`);
    const fanOut = await runPhase(nodes, writer, headers, settings.fanOutClients, settings.replies);

    // The first node keeps the model; the others stop (a drain removes their models from the list)
    // and three API-only nodes, with an empty models dir, join.
    for (const node of nodes.splice(1)) await node.stop();
    await mkdir(join(dir, "no-models"));
    const apiNodes: ServerProcess[] = [];
    for (let index = 0; index < 3; index++) {
      progress(`cluster: starting API-only node ${index + 1} of 3`);
      const node = await startServer(root, { env: { ...env, HEARTH_MODELS_DIR: join(dir, "no-models") } });
      nodes.push(node);
      apiNodes.push(node);
    }
    const placement: PlacementRun[] = [];
    for (const count of [0, 1, 2, 3]) {
      const targets = count === 0 ? [writer] : apiNodes.slice(0, count);
      progress(
        `cluster: ${PLACEMENT_CONCURRENCY * PLACEMENT_ROUNDS} replies through ${count === 0 ? "the engine node itself" : `${count} API-only node(s)`}`,
      );
      placement.push({ apiNodes: count, ...(await runReplyLoad(targets, headers)) });
    }
    return {
      database: postgres.name,
      replyTokens,
      baseline,
      fanOut,
      placementConcurrency: PLACEMENT_CONCURRENCY,
      placement,
    };
  } finally {
    forget();
    await cleanUp();
  }
}

async function runPhase(
  nodes: ServerProcess[],
  writer: ServerProcess,
  headers: Record<string, string>,
  clients: number,
  replies: number,
): Promise<PhaseFigures> {
  const conversationId = await createConversation(writer.baseUrl, headers);
  const opening = performance.now();
  const followers = await Promise.all(
    Array.from({ length: clients }, (_, index) =>
      Follower.open((nodes[index % nodes.length] as ServerProcess).baseUrl, conversationId, headers),
    ),
  );
  const openMs = performance.now() - opening;
  let done: number[][];
  let lag: { p99Ms: number; maxMs: number }[];
  let memory: { rssMb: number }[];
  try {
    // prom-client resets its event-loop histogram at each scrape: this one clears the opening.
    await Promise.all(nodes.map((node) => readLag(node)));
    done = await sendReplies(writer, conversationId, headers, followers, replies);
    lag = await Promise.all(nodes.map((node) => readLag(node)));
    memory = await Promise.all(nodes.map((node) => readMemory(node.pid)));
  } finally {
    for (const follower of followers) follower.close();
  }
  // Per reply, the spread over clients; the median reply's spread is reported.
  const perReply = done.map((times) => ({
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    max: Math.max(...times),
  }));
  return {
    clients,
    nodes: nodes.map((_, index) => ({
      lagP99Ms: lag[index]?.p99Ms ?? 0,
      lagMaxMs: lag[index]?.maxMs ?? 0,
      rssMb: memory[index]?.rssMb ?? 0,
    })),
    doneP50Ms: median(perReply.map((reply) => reply.p50)),
    doneP95Ms: median(perReply.map((reply) => reply.p95)),
    doneMaxMs: median(perReply.map((reply) => reply.max)),
    eventsReceived: followers.reduce((sum, follower) => sum + follower.events, 0),
    openMs,
  };
}

/**
 * PLACEMENT_CONCURRENCY conversations, spread over `targets`, each sending PLACEMENT_ROUNDS messages
 * one after another and following its own events on the node it asks.
 */
async function runReplyLoad(
  targets: ServerProcess[],
  headers: Record<string, string>,
): Promise<{ repliesPerSecond: number; firstTokenP50Ms: number; firstTokenP95Ms: number }> {
  const firstTokens: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: PLACEMENT_CONCURRENCY }, async (_, index) => {
      const target = targets[index % targets.length] as ServerProcess;
      const conversationId = await createConversation(target.baseUrl, headers);
      const follower = await Follower.open(target.baseUrl, conversationId, headers);
      try {
        for (let round = 0; round < PLACEMENT_ROUNDS; round++) {
          const posted = performance.now();
          const replyId = await postMessage(target, conversationId, headers, `hello world ${round}`);
          firstTokens.push((await follower.firstDeltaOf(replyId)) - posted);
          await follower.doneOf(replyId);
        }
      } finally {
        follower.close();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return {
    repliesPerSecond: (PLACEMENT_CONCURRENCY * PLACEMENT_ROUNDS) / seconds,
    firstTokenP50Ms: percentile(firstTokens, 50),
    firstTokenP95Ms: percentile(firstTokens, 95),
  };
}

async function postMessage(
  target: ServerProcess,
  conversationId: string,
  headers: Record<string, string>,
  content: string,
): Promise<string> {
  const response = await fetch(`${target.baseUrl}/api/conversations/${conversationId}/messages`, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ content }),
  });
  const body = (await response.json()) as { assistantMessage?: { id: string } };
  if (response.status !== 202 || body.assistantMessage === undefined) {
    throw new Error(`POST …/messages answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.assistantMessage.id;
}

/** Sends `replies` messages one after another on the writer; for each, how long after its POST each follower saw its end. */
async function sendReplies(
  writer: ServerProcess,
  conversationId: string,
  headers: Record<string, string>,
  followers: Follower[],
  replies: number,
): Promise<number[][]> {
  const done: number[][] = [];
  for (let reply = 0; reply < replies; reply++) {
    const posted = performance.now();
    const replyId = await postMessage(writer, conversationId, headers, `hello world ${reply}`);
    const ends = await Promise.all(followers.map((follower) => follower.doneOf(replyId)));
    done.push(ends.map((at) => at - posted));
  }
  return done;
}

/** One client following the conversation: counts events and notes when each reply's `message.done` came. */
class Follower {
  events = 0;
  readonly #done = new Map<string, number>();
  readonly #waiters = new Map<string, (at: number) => void>();
  readonly #firstDelta = new Map<string, number>();
  readonly #deltaWaiters = new Map<string, (at: number) => void>();
  readonly #stop = new AbortController();

  static async open(baseUrl: string, conversationId: string, headers: Record<string, string>): Promise<Follower> {
    const follower = new Follower();
    const response = await fetch(`${baseUrl}/api/conversations/${conversationId}/events`, {
      headers: { ...headers, Accept: "text/event-stream" },
      signal: follower.#stop.signal,
    });
    if (response.status !== 200 || response.body === null) {
      throw new Error(`GET …/events answered ${response.status}: ${await response.text()}`);
    }
    let opened!: () => void;
    const isOpened = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const parser = createParser({
      onEvent: ({ event, data }) => {
        if (event === "stream.opened") opened();
        if (event === undefined || event === "stream.opened") return;
        follower.events++;
        if (event === "message.delta") {
          const { messageId } = JSON.parse(data) as { messageId: string };
          if (follower.#firstDelta.has(messageId)) return;
          const at = performance.now();
          follower.#firstDelta.set(messageId, at);
          follower.#deltaWaiters.get(messageId)?.(at);
          return;
        }
        if (event !== "message.done") return;
        const { messageId } = JSON.parse(data) as { messageId: string };
        const at = performance.now();
        follower.#done.set(messageId, at);
        follower.#waiters.get(messageId)?.(at);
      },
    });
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body as ReadableStream<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
      } catch {
        // Closed by the bench.
      }
    })();
    await isOpened;
    return follower;
  }

  doneOf(messageId: string): Promise<number> {
    return this.#when(this.#done, this.#waiters, messageId, "message.done");
  }

  firstDeltaOf(messageId: string): Promise<number> {
    return this.#when(this.#firstDelta, this.#deltaWaiters, messageId, "message.delta");
  }

  #when(
    seen: Map<string, number>,
    waiters: Map<string, (at: number) => void>,
    messageId: string,
    what: string,
  ): Promise<number> {
    const at = seen.get(messageId);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} for ${messageId} within 120 s`)), 120_000);
      waiters.set(messageId, (when) => {
        clearTimeout(timer);
        resolve(when);
      });
    });
  }

  close(): void {
    this.#stop.abort();
  }
}

async function createConversation(baseUrl: string, headers: Record<string, string>): Promise<string> {
  const response = await fetch(`${baseUrl}/api/conversations`, {
    method: "POST",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ title: "Fan-out" }),
  });
  const body = (await response.json()) as { id?: string };
  if (response.status !== 201 || body.id === undefined) throw new Error(`POST /api/conversations: ${response.status}`);
  return body.id;
}

async function readLag(node: ServerProcess): Promise<{ p99Ms: number; maxMs: number }> {
  const response = await fetch(`${node.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN) * 1000;
  return {
    p99Ms: read("hearth_nodejs_eventloop_lag_p99_seconds"),
    maxMs: read("hearth_nodejs_eventloop_lag_max_seconds"),
  };
}

export function clusterRows(figures: ClusterFigures): Row[] {
  const { baseline, fanOut } = figures;
  const ratio = (after: number, before: number) => `${(after / before).toFixed(2)}×`;
  const worst = (phase: PhaseFigures, key: keyof NodeFigures) => Math.max(...phase.nodes.map((node) => node[key]));
  const rows: Row[] = [
    [
      "reply end reached every client, p95 over clients",
      `${fanOut.doneP95Ms.toFixed(0)} ms`,
      `${fanOut.clients} clients; ${baseline.doneP95Ms.toFixed(0)} ms with ${baseline.clients}: ${ratio(fanOut.doneP95Ms, baseline.doneP95Ms)}`,
    ],
    [
      "reply end reached the last client",
      `${fanOut.doneMaxMs.toFixed(0)} ms`,
      `${baseline.doneMaxMs.toFixed(0)} ms with ${baseline.clients}: ${ratio(fanOut.doneMaxMs, baseline.doneMaxMs)}`,
    ],
    [
      "opening the clients' streams",
      `${(fanOut.openMs / 1000).toFixed(1)} s`,
      `${fanOut.clients} at once; ${baseline.openMs.toFixed(0)} ms for ${baseline.clients}`,
    ],
    [
      "events delivered",
      `${fanOut.eventsReceived}`,
      `${(fanOut.eventsReceived / fanOut.clients).toFixed(0)} per client (${(baseline.eventsReceived / baseline.clients).toFixed(0)} with ${baseline.clients})`,
    ],
    [
      "event-loop lag p99, worst node",
      `${worst(fanOut, "lagP99Ms").toFixed(1)} ms`,
      `${worst(baseline, "lagP99Ms").toFixed(1)} ms with ${baseline.clients}: ${ratio(worst(fanOut, "lagP99Ms"), worst(baseline, "lagP99Ms"))}`,
    ],
    [
      "event-loop lag max, worst node",
      `${worst(fanOut, "lagMaxMs").toFixed(1)} ms`,
      `${worst(baseline, "lagMaxMs").toFixed(1)} ms with ${baseline.clients}`,
    ],
  ];
  const direct = figures.placement.find((run) => run.apiNodes === 0);
  for (const run of figures.placement) {
    const through =
      run.apiNodes === 0 ? "the engine node asked directly" : `${run.apiNodes} API-only node(s), one engine node`;
    rows.push([
      `replies/s and first token p95: ${through}`,
      `${run.repliesPerSecond.toFixed(2)}/s, ${run.firstTokenP95Ms.toFixed(0)} ms`,
      run.apiNodes === 0 || direct === undefined
        ? `first token p50 ${run.firstTokenP50Ms.toFixed(0)} ms; ${figures.placementConcurrency} at once (the baseline)`
        : `${ratio(run.repliesPerSecond, direct.repliesPerSecond)} the replies/s, ${ratio(run.firstTokenP95Ms, direct.firstTokenP95Ms)} the p95 of direct`,
    ]);
  }
  fanOut.nodes.forEach((node, index) => {
    const before = baseline.nodes[index] as NodeFigures;
    rows.push([
      `node ${index + 1}${index === 0 ? " (writes the replies)" : ""}: memory, lag p99`,
      `${node.rssMb.toFixed(0)} MB, ${node.lagP99Ms.toFixed(1)} ms`,
      `${before.rssMb.toFixed(0)} MB, ${before.lagP99Ms.toFixed(1)} ms with one client`,
    ]);
  });
  return rows;
}

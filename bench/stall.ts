/**
 * The `stall` section of `npm run bench`: the server's event-loop lag and /healthz latency while users
 * send maximum-size pathological messages, against the same server idle, in the same run. Before the
 * fix (commit 0cebf2e) one 400 KB message of "é" held the event loop for 14–18 s while it was tokenized.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeModel, writeBenchModel } from "./bench-model.ts";
import { ChatClient } from "./chat-client.ts";
import { undoOnInterrupt } from "./cleanup.ts";
import { median, type Row } from "./report.ts";
import { type ServerProcess, startServer } from "./server-process.ts";
import { addUser, authHeaders, type Credentials, setUpAccount } from "./setup-account.ts";
import { sendPathological } from "./stall-load.ts";
import { type MetricsEndpoint, measurePhase, type PhaseFigures } from "./stall-probe.ts";

/** The context of pathological-input.test.ts: long enough that a 100 KB message is counted, not refused by its bytes. */
const CONTEXT_SIZE = 16_384;

export interface StallSettings {
  /** Users sending pathological messages at once. */
  users: number;
  /** Seconds of each phase: idle, then under load. */
  stallSeconds: number;
}

export interface StallFigures {
  model: string;
  contextSize: number;
  users: number;
  /** Messages sent under load (all refused), and the median time from POST to the refusal. */
  messages: number;
  refusalP50Ms: number;
  idle: PhaseFigures;
  underLoad: PhaseFigures;
}

type Progress = (message: string) => void;

export async function measureStall(root: string, settings: StallSettings, progress: Progress): Promise<StallFigures> {
  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-bench-stall-"));
  const removeModels = () => rm(modelsDir, { recursive: true, force: true });
  const forget = undoOnInterrupt(removeModels);
  try {
    const model = await writeBenchModel(modelsDir, CONTEXT_SIZE);
    progress(`stall: wrote the ${describeModel(model)} (${CONTEXT_SIZE}-token context)`);
    const token = randomBytes(24).toString("hex");
    const server = await startServer(root, {
      env: {
        HEARTH_MODELS_DIR: modelsDir,
        HEARTH_ENGINE_CONTEXT_SIZE: String(CONTEXT_SIZE),
        HEARTH_ENGINE_GPU: "off",
        HEARTH_CHAT_MAX_REPLY_TOKENS: "8",
        HEARTH_METRICS_TOKEN: token,
        // Each user sends a message every few hundred milliseconds, far past a person's limits.
        HEARTH_LIMITS_MESSAGES_PER_MINUTE: "1000000",
      },
    });
    try {
      const figures = await measureOnServer(server, { baseUrl: server.baseUrl, token }, settings, progress);
      return { model: describeModel(model), contextSize: CONTEXT_SIZE, ...figures };
    } finally {
      await server.stop();
    }
  } finally {
    forget();
    await removeModels();
  }
}

async function measureOnServer(
  server: ServerProcess,
  metrics: MetricsEndpoint,
  settings: StallSettings,
  progress: Progress,
) {
  const admin = await setUpAccount(server.baseUrl);
  const credentials: Credentials[] = [admin];
  for (let user = 1; user < settings.users; user++)
    credentials.push(await addUser(server.baseUrl, admin, `stall${user}`));
  const clients = credentials.map((each) => new ChatClient(server.baseUrl, authHeaders(each, "api-key")));

  // One ordinary reply first, so the model is loaded before either phase.
  progress("stall: loading the model with one short reply");
  const warmUp = clients[0] as ChatClient;
  const conversationId = await warmUp.createConversation("warm-up");
  const stream = await warmUp.openEvents(conversationId);
  await warmUp.exchange(stream, conversationId, "hello world").finally(() => stream.close());

  progress(`stall: idle for ${settings.stallSeconds} s, /healthz polled`);
  const idle = await measurePhase(metrics, settings.stallSeconds, async () => {});
  progress(
    `  /healthz p99 ${idle.healthz.p99Ms.toFixed(1)} ms; event-loop lag max ${idle.eventLoopLag.maxMs.toFixed(1)} ms`,
  );

  progress(`stall: ${settings.users} users sending pathological messages for ${settings.stallSeconds} s`);
  const refusals: number[] = [];
  const underLoad = await measurePhase(metrics, settings.stallSeconds, async (deadline) => {
    const each = await Promise.all(clients.map((client, user) => sendPathological(client, user, deadline)));
    refusals.push(...each.flat());
  });
  progress(
    `  ${refusals.length} messages refused; /healthz p99 ${underLoad.healthz.p99Ms.toFixed(1)} ms; ` +
      `event-loop lag max ${underLoad.eventLoopLag.maxMs.toFixed(1)} ms`,
  );
  return {
    users: settings.users,
    messages: refusals.length,
    refusalP50Ms: median(refusals),
    idle,
    underLoad,
  };
}

export function stallRows(figures: StallFigures): Row[] {
  const { idle, underLoad } = figures;
  const ms = (value: number) => value.toFixed(value < 100 ? 1 : 0);
  const spread = (label: string, pick: (phase: PhaseFigures) => number): Row[] => [
    [`${label}, idle`, ms(pick(idle)), "ms"],
    [`  under load`, ms(pick(underLoad)), `ms (${(pick(underLoad) / pick(idle)).toFixed(2)} × idle)`],
  ];
  return [
    ["Load", String(figures.users), `users sending 100–400 KB pathological messages, one at a time each`],
    ["  messages sent, all refused", String(figures.messages), `in ${underLoad.seconds.toFixed(0)} s`],
    ["  POST to refusal, median", ms(figures.refusalP50Ms), "ms"],
    ...spread("GET /healthz p50", (phase) => phase.healthz.p50Ms),
    ...spread("GET /healthz p99", (phase) => phase.healthz.p99Ms),
    ...spread("GET /healthz max", (phase) => phase.healthz.maxMs),
    ...spread("Server event-loop lag p50", (phase) => phase.eventLoopLag.p50Ms),
    ...spread("Server event-loop lag p99", (phase) => phase.eventLoopLag.p99Ms),
    ...spread("Server event-loop lag max", (phase) => phase.eventLoopLag.maxMs),
    [
      "Bench process's own event-loop lag max",
      `${ms(idle.benchLoopLagMaxMs)} / ${ms(underLoad.benchLoopLagMaxMs)}`,
      "ms idle / under load (how much the client delayed its own timings)",
    ],
  ];
}

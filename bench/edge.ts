/**
 * The `edge` section: the small-device configuration (deploy/edge/hearth.config.json) on a Q4_0 model
 * against the defaults on the same model in F16, in the same run: time from spawn to /readyz on a
 * fresh data dir and on a restart, and the resident memory of the server with its llama.cpp process,
 * idle and after a reply.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { undoOnInterrupt } from "./cleanup.ts";
import type { Row } from "./report.ts";
import { IDLE_WAIT_MS, startServer } from "./server-process.ts";
import { authHeaders, setUpAccount } from "./setup-account.ts";

/** A model shaped like a small one (512 wide, 8 layers), so the quantization's saving shows. */
const MODEL_SHAPE = { width: 512, layers: 8, contextLength: 2048 } as const;

interface Variant {
  modelMb: number;
  firstStartMs: number;
  restartMs: number;
  idleMb: number;
  afterReplyMb: number;
}

export interface EdgeFigures {
  edge: Variant;
  defaults: Variant;
}

export async function measureEdge(root: string, progress: (message: string) => void): Promise<EdgeFigures> {
  const dir = await mkdtemp(join(tmpdir(), "hearth-bench-edge-"));
  const forget = undoOnInterrupt(() => rm(dir, { recursive: true, force: true }));
  try {
    progress("edge: the edge configuration on a Q4_0 model");
    const edge = await measureVariant(root, dir, "q4_0", {
      HEARTH_CONFIG: join(root, "deploy/edge/hearth.config.json"),
      HOST: "127.0.0.1",
    });
    progress("edge: the defaults on the same model in F16");
    const defaults = await measureVariant(root, dir, "f16", {});
    return { edge, defaults };
  } finally {
    forget();
    await rm(dir, { recursive: true, force: true });
  }
}

async function measureVariant(
  root: string,
  dir: string,
  type: "q4_0" | "f16",
  env: Record<string, string>,
): Promise<Variant> {
  const modelsDir = join(dir, `models-${type}`);
  await mkdir(modelsDir);
  const model = await writeTestModel(join(modelsDir, `small-${type}.gguf`), { ...MODEL_SHAPE, type });
  const dataDir = join(dir, `data-${type}`);
  await mkdir(dataDir);
  const settings = { dataDir, env: { ...env, HEARTH_MODELS_DIR: modelsDir } };

  let started = performance.now();
  const first = await startServer(root, settings);
  const firstStartMs = performance.now() - started;
  const credentials = await setUpAccount(first.baseUrl);
  await first.stop({ keepDataDir: true });

  started = performance.now();
  const server = await startServer(root, settings);
  const restartMs = performance.now() - started;
  try {
    await new Promise((resolve) => setTimeout(resolve, IDLE_WAIT_MS));
    const idleMb = await treeRssMb(server.pid);
    await reply(server.baseUrl, authHeaders(credentials, "api-key"));
    const afterReplyMb = await treeRssMb(server.pid);
    return { modelMb: model.bytes / 1024 / 1024, firstStartMs, restartMs, idleMb, afterReplyMb };
  } finally {
    await server.stop({ keepDataDir: false });
  }
}

/** Sends one message and waits for its reply to be stored as done. */
async function reply(baseUrl: string, headers: Record<string, string>): Promise<void> {
  const json = { ...headers, "Content-Type": "application/json" };
  const created = await fetch(`${baseUrl}/api/conversations`, { method: "POST", headers: json, body: "{}" });
  const { id } = (await created.json()) as { id: string };
  const sent = await fetch(`${baseUrl}/api/conversations/${id}/messages`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ content: "hello world" }),
  });
  const { assistantMessage } = (await sent.json()) as { assistantMessage: { id: string } };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const listed = await fetch(`${baseUrl}/api/conversations/${id}/messages`, { headers });
    const { data } = (await listed.json()) as { data: { id: string; status: string }[] };
    const status = data.find((message) => message.id === assistantMessage.id)?.status;
    if (status !== "pending" && status !== "streaming") return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the reply did not end within 120 s");
}

/** VmRSS of a process and all its descendants (the server and its llama.cpp process), in MB. */
async function treeRssMb(pid: number): Promise<number> {
  let kilobytes = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop() as number;
    const status = await readFile(`/proc/${next}/status`, "utf8").catch(() => "");
    kilobytes += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
    for (const task of await readdir(`/proc/${next}/task`).catch(() => [] as string[])) {
      const children = await readFile(`/proc/${next}/task/${task}/children`, "utf8").catch(() => "");
      pending.push(...children.split(" ").filter(Boolean).map(Number));
    }
  }
  return kilobytes / 1024;
}

export function edgeRows({ edge, defaults }: EdgeFigures): Row[] {
  const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;
  const row = (label: string, key: keyof Variant, unit: string, digits = 0): Row => [
    label,
    `${edge[key].toFixed(digits)} ${unit}`,
    `${defaults[key].toFixed(digits)} ${unit} with the defaults on F16: ${ratio(edge[key], defaults[key])}`,
  ];
  return [
    row("model file", "modelMb", "MB", 1),
    row("first start, to /readyz 200 (creates the database)", "firstStartMs", "ms"),
    row("restart, to /readyz 200", "restartMs", "ms"),
    row("resident memory idle, server + llama.cpp", "idleMb", "MB"),
    row("resident memory after one reply", "afterReplyMb", "MB"),
  ];
}

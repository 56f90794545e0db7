import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabaseUrl, startTestRedis, type TestRedis } from "@hearth/db/testing";
import { writeTestModel } from "@hearth/engine/testing";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./hearth-process.ts";
import { startNginx, type TestNginx } from "./nginx.ts";

export interface TestCluster {
  nodes: HearthProcess[];
  /** nginx in front of the nodes, when asked for. */
  balancer: TestNginx | undefined;
  redis: TestRedis | undefined;
  /** The database the nodes share. */
  databaseUrl: string;
  /** Starts one more node with the cluster's settings (a restarted or added node); `apiOnly`: without models. */
  addNode(options?: { apiOnly?: boolean }): Promise<HearthProcess>;
  stop(): Promise<void>;
}

/**
 * Hearth processes sharing one PostgreSQL database of their own on TEST_DATABASE_URL's server, one
 * data dir (the secret key) and one models dir (as a shared volume would), optionally with Redis and
 * nginx in front. Each node is started as users start it and waited for until migrated.
 */
export async function startCluster(options: {
  nodes: number;
  env?: Record<string, string>;
  redis?: boolean;
  nginx?: boolean;
  /** Nodes (by index) started with an empty models dir of their own: API-only nodes. */
  apiOnly?: readonly number[];
}): Promise<TestCluster> {
  const database = await createTestDatabaseUrl();
  if (database === undefined) throw new Error("a cluster needs TEST_DATABASE_URL (a PostgreSQL server)");
  const dataDir = await mkdtemp(join(tmpdir(), "hearth-nodes-"));
  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-nodes-models-"));
  const noModelsDir = await mkdtemp(join(tmpdir(), "hearth-nodes-no-models-"));
  await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
  const redis = options.redis ? await startTestRedis() : undefined;
  const env = {
    HEARTH_DATA_DIR: dataDir,
    HEARTH_MODELS_DIR: modelsDir,
    HEARTH_ENGINE_GPU: "off",
    HEARTH_ENGINE_CONTEXT_SIZE: "2048",
    DATABASE_URL: database.url,
    ...(redis ? { REDIS_URL: redis.url } : {}),
    ...(options.nginx ? { HEARTH_SERVER_TRUST_PROXY: "true" } : {}),
    ...options.env,
  };
  const nodes: HearthProcess[] = [];
  const addNode = async ({ apiOnly = false } = {}) => {
    const node = await spawnHearth(apiOnly ? { ...env, HEARTH_MODELS_DIR: noModelsDir } : env);
    nodes.push(node);
    await waitUntilRunning(node);
    return node;
  };
  // One at a time: the first applies the migrations.
  for (let index = 0; index < options.nodes; index++) await addNode({ apiOnly: options.apiOnly?.includes(index) });
  const balancer = options.nginx ? await startNginx(nodes.map((node) => new URL(node.url).host)) : undefined;
  return {
    nodes,
    balancer,
    redis,
    databaseUrl: database.url,
    addNode,
    async stop() {
      await balancer?.stop();
      for (const { child } of nodes) child.kill("SIGKILL");
      await Promise.all(nodes.map((node) => node.exited));
      await redis?.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(modelsDir, { recursive: true, force: true });
      await rm(noModelsDir, { recursive: true, force: true });
    },
  };
}

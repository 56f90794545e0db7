/** @module Among nodes, the local models each node holds, so any node can list them and place replies. */
import type { Queryable } from "@hearth/db";
import type { ModelDescriptor } from "@hearth/engine/spec";

/** Replaces this node's rows with `models` (its local models, by their id within the local provider). */
export async function publishNodeModels(
  db: Queryable,
  node: { id: string; url: string },
  models: readonly ModelDescriptor[],
  now: Date,
): Promise<void> {
  await db.query("DELETE FROM node_models WHERE node_id = $1 AND NOT (model_id = ANY($2::text[]))", [
    node.id,
    models.map((model) => model.id),
  ]);
  for (const model of models) {
    await db.query(
      `INSERT INTO node_models (node_id, model_id, descriptor, seen_at, node_url) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (node_id, model_id)
       DO UPDATE SET descriptor = EXCLUDED.descriptor, seen_at = EXCLUDED.seen_at, node_url = EXCLUDED.node_url`,
      [node.id, model.id, JSON.stringify(model), now, node.url],
    );
  }
}

/** Deletes this node's rows: it is stopping, and its models are no longer held here. */
export async function forgetNodeModels(db: Queryable, nodeId: string): Promise<void> {
  await db.query("DELETE FROM node_models WHERE node_id = $1", [nodeId]);
}

/** The local models other nodes hold (refreshed since `since`), each once. */
export async function otherNodesModels(db: Queryable, nodeId: string, since: Date): Promise<ModelDescriptor[]> {
  const { rows } = await db.query<{ descriptor: ModelDescriptor }>(
    `SELECT DISTINCT ON (model_id) descriptor FROM node_models
     WHERE node_id <> $1 AND seen_at >= $2 ORDER BY model_id, seen_at DESC`,
    [nodeId, since],
  );
  return rows.map((row) => row.descriptor);
}

/** Where the other nodes that hold local model `modelId` (and refreshed it since `since`) can be reached, freshest first. */
export async function nodesHolding(db: Queryable, nodeId: string, modelId: string, since: Date): Promise<string[]> {
  const { rows } = await db.query<{ node_url: string }>(
    `SELECT node_url FROM node_models
     WHERE model_id = $1 AND node_id <> $2 AND seen_at >= $3 AND node_url IS NOT NULL ORDER BY seen_at DESC`,
    [modelId, nodeId, since],
  );
  return rows.map((row) => row.node_url);
}

/** @module Admins pull models into the models dir, follow and cancel pulls, and remove local models. */
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { createRoute, z } from "@hono/zod-openapi";
import { currentPrincipal, requireAdmin } from "../../accounts/authenticate.ts";
import { conversationsProblems } from "../../conversations/problems.ts";
import { createRouter } from "../../http/create-router.ts";
import { asAdmin, jsonBody, jsonContent, problems } from "../../http/route-helpers.ts";
import { reasonOf } from "../../openai-api/prepare-completion.ts";
import { EVENT_STREAM_HEADERS, eventStream } from "../../openai-api/server-sent-events.ts";
import { raise, unwrap } from "../../problems.ts";
import { bareLocalId, decodedId } from "../local-model-id.ts";
import { LOCAL_PROVIDER } from "../model-registry.ts";
import type { ModelPull, ModelPulls } from "./model-pulls.ts";
import { modelsProblems } from "./problems.ts";

const tags = ["admin", "models"];
const path = "/api/admin/models/pulls";
/** How often a progress stream reads the pull's row (the downloading node writes it twice a second). */
const FOLLOW_MS = 500;

const PullStatus = z.enum(["downloading", "verifying", "done", "failed", "cancelled"]);

const ModelPullSchema = z
  .object({
    id: z.uuid(),
    source: z.string(),
    fileName: z.string(),
    modelId: z
      .string()
      .openapi({ description: "The model it becomes once done, e.g. `local/qwen2.5-0.5b-instruct-q4_k_m`." }),
    status: PullStatus,
    totalBytes: z.number().int(),
    downloadedBytes: z.number().int(),
    bytesPerSecond: z.number().int(),
    etaSeconds: z.number().int().nullable(),
    sha256: z.string().nullable().openapi({
      description:
        "The sha256 given with the pull; once done without one, the sha256 its source published (Hugging Face does for every GGUF) and the file matched.",
    }),
    error: z.string().nullable(),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .openapi("ModelPull");

const SOURCE = /^(hf:[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*(:[\w.-]+|\/[^\s#]+\.gguf(#[\w./-]+)?)?|https?:\/\/[^\s]+)$/;

const StartPull = z
  .object({
    source: z
      .string()
      .max(2000)
      .regex(SOURCE, "must be hf:user/repo:QUANT, hf:user/repo/file.gguf, or an http(s) URL of a .gguf file")
      .openapi({ example: "hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M" }),
    fileName: z
      .string()
      .max(200)
      .regex(/^[\w][\w.+-]*\.[gG][gG][uU][fF]$/, "must be a plain file name ending in .gguf (letters, digits, . _ + -)")
      .optional()
      .openapi({ description: "What to store it as; by default the source's own file name." }),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hexadecimal digits")
      .optional()
      .openapi({
        description:
          "Checked once downloaded, as is the sha256 the source publishes for each file; a mismatch fails the pull and keeps nothing.",
      }),
  })
  .openapi("StartModelPull");

const PullIdParam = z.object({ id: z.uuid() });

const start = createRoute({
  method: "post",
  path,
  tags,
  summary: "Pull a GGUF model into the models dir",
  description:
    "The source is resolved first (a Hugging Face tag's manifest, each file's size): a source that cannot be " +
    "found is refused here. The download then runs in the background; follow it with GET …/{id} or …/{id}/events. " +
    "It resumes after a cut connection and after a restart; nothing appears as a model until every byte is there " +
    "and checked, and no existing file is ever overwritten.",
  ...asAdmin,
  request: { body: jsonBody(StartPull) },
  responses: { 202: jsonContent(ModelPullSchema, "The pull, started") },
  ...problems("model-source-unavailable", "model-exists", "model-pull-in-progress", "not-enough-disk-space"),
});

const list = createRoute({
  method: "get",
  path,
  tags,
  summary: "The latest model pulls, running and ended",
  ...asAdmin,
  responses: { 200: jsonContent(z.object({ data: z.array(ModelPullSchema) }), "Pulls, newest first") },
});

const read = createRoute({
  method: "get",
  path: `${path}/{id}`,
  tags,
  summary: "A model pull and its progress",
  ...asAdmin,
  request: { params: PullIdParam },
  responses: { 200: jsonContent(ModelPullSchema, "The pull") },
  ...problems("model-pull-not-found"),
});

const cancel = createRoute({
  method: "delete",
  path: `${path}/{id}`,
  tags,
  summary: "Cancel a running model pull",
  description: "What was downloaded is deleted.",
  ...asAdmin,
  request: { params: PullIdParam },
  responses: { 200: jsonContent(ModelPullSchema, "The pull, cancelled") },
  ...problems("model-pull-not-found", "model-pull-finished"),
});

const follow = createRoute({
  method: "get",
  path: `${path}/{id}/events`,
  tags,
  summary: "Follow a model pull's progress as server-sent events",
  description:
    "A `progress` event (the pull) whenever it changes, then one `end` event (the pull as it ended), and the " +
    "stream closes. A pull that has ended already gives its `end` at once.",
  ...asAdmin,
  request: { params: PullIdParam },
  responses: {
    200: { description: "The pull's progress", content: { "text/event-stream": { schema: ModelPullSchema } } },
  },
  ...problems("model-pull-not-found"),
});

const LocalModelDetails = z
  .object({
    id: z.string().openapi({ example: "local/qwen2.5-0.5b-instruct-q4_k_m" }),
    fileName: z.string(),
    sizeBytes: z.number().int(),
    architecture: z.string(),
    name: z.string().nullable(),
    parameters: z.number().int(),
    quantization: z.string().nullable(),
    contextLength: z.number().int().nullable(),
    embeddingLength: z.number().int().nullable(),
    layers: z.number().int().nullable(),
    chatTemplate: z.string().nullable(),
    chatFormat: z.string().nullable(),
    tools: z.enum(["native", "emulated", "none"]),
  })
  .openapi("LocalModelDetails");

const inspect = createRoute({
  method: "get",
  path: "/api/admin/local-models/{id}",
  tags,
  summary: "What a local model's GGUF file says of it",
  description:
    "Read from the file's header without loading the model: architecture, parameters, quantization, context and " +
    "embedding lengths, layers, chat template and format, and whether the format has its own way to call tools " +
    "(`native`) or Hearth makes the model call them through a grammar (`emulated`). The id is qualified or bare; " +
    "its `/` may be sent as `%2F`.",
  ...asAdmin,
  request: { params: z.object({ id: z.string().max(300) }) },
  responses: { 200: jsonContent(LocalModelDetails, "The model's details") },
  ...problems("local-model-not-found"),
});

const ModelRef = z
  .object({ model: z.string().min(1).max(300).openapi({ example: "local/qwen2.5-0.5b-instruct-q4_k_m" }) })
  .openapi("LocalModelRef");
const LoadOutcome = z
  .object({ model: z.string(), isLoaded: z.boolean(), outcome: z.enum(["loaded", "unloaded", "not-loaded"]) })
  .openapi("ModelLoadOutcome");

const load = createRoute({
  method: "post",
  path: "/api/admin/local-models/load",
  tags,
  summary: "Load a local model into this node's llama.cpp now, rather than on its first use",
  description:
    "Answers once it is loaded (starting llama.cpp if it is not running); the memory budget may unload others. " +
    "It acts on the node that answers: behind a load balancer, any one.",
  ...asAdmin,
  request: { body: jsonBody(ModelRef) },
  responses: { 200: jsonContent(LoadOutcome, "Loaded") },
  ...problems("local-model-not-found", "model-unavailable"),
});

const unload = createRoute({
  method: "post",
  path: "/api/admin/local-models/unload",
  tags,
  summary: "Unload a local model from this node's llama.cpp, freeing its memory",
  description: "Refused while a reply or a call uses it. A model that is not loaded is reported so, not refused.",
  ...asAdmin,
  request: { body: jsonBody(ModelRef) },
  responses: { 200: jsonContent(LoadOutcome, "Unloaded, or not loaded") },
  ...problems("local-model-not-found", "model-in-use"),
});

const remove = createRoute({
  method: "delete",
  path: "/api/admin/local-models/{id}",
  tags,
  summary: "Remove a local model (its GGUF file) from this node's models dir",
  description:
    "The id is qualified (`local/name`) or bare; its `/` may be sent as `%2F`. Refused while a reply uses it.",
  ...asAdmin,
  request: { params: z.object({ id: z.string().max(300) }) },
  responses: { 204: { description: "Removed" } },
  ...problems("local-model-not-found", "model-in-use"),
});

const ENDED = new Set(["done", "failed", "cancelled"]);

export interface LocalModelFiles {
  modelsDir: string;
  /** Reads a GGUF file's header (node-llama-cpp, in apps/server). */
  inspect: (path: string) => Promise<Omit<z.infer<typeof LocalModelDetails>, "id" | "fileName">>;
  /** Whether a reply or a /v1 call on this node is using the model (a qualified id). */
  isInUse: (modelId: string) => boolean;
  /** Told when a model was removed, loaded or unloaded, so the model list is read again. */
  onChanged: () => void;
  /** This node's llama.cpp engine: loading starts it; unloading does not. */
  engine: {
    load(modelId: string): Promise<void>;
    unload(modelId: string): Promise<"unloaded" | "not-loaded" | "busy">;
  };
}

export function modelPullRoutes(pulls: ModelPulls, deps: LocalModelFiles) {
  const router = createRouter()
    .openapi(start, async (c) => {
      const { user } = currentPrincipal(c);
      const body = c.req.valid("json");
      const pull = unwrap(await pulls.start(c.var.db, { ...body, userId: user.id }));
      c.var.logger.info({ pull: pull.id, source: pull.source, fileName: pull.fileName }, "model pull started");
      return c.json(pull, 202);
    })
    .openapi(list, async (c) => c.json({ data: await pulls.list(c.var.db) }, 200))
    .openapi(read, async (c) => c.json(unwrap(await pulls.get(c.var.db, c.req.valid("param").id)), 200))
    .openapi(cancel, async (c) => {
      const pull = unwrap(await pulls.cancel(c.var.db, c.req.valid("param").id));
      c.var.logger.info({ pull: pull.id }, "model pull cancelled");
      return c.json(pull, 200);
    })
    .openapi(follow, async (c) => {
      const { db } = c.var;
      const first = unwrap(await pulls.get(db, c.req.valid("param").id));
      let isClosed = false;
      const body = eventStream(
        async (send) => {
          let last = "";
          let pull: ModelPull = first;
          for (;;) {
            if (ENDED.has(pull.status)) return send(pull, "end");
            const text = JSON.stringify(pull);
            if (text !== last) send(pull, "progress");
            last = text;
            await new Promise((resolve) => setTimeout(resolve, FOLLOW_MS));
            if (isClosed) return;
            const next = await pulls.get(db, pull.id);
            if (!next.ok) return;
            pull = next.value;
          }
        },
        () => {
          isClosed = true;
        },
      );
      return new Response(body, { headers: EVENT_STREAM_HEADERS }) as never;
    });
  /** The local model a path's id names (qualified or bare, its `/` as is or as %2F): its bare id, or a 404. */
  const localModel = async (raw: string): Promise<string> => {
    const bare = bareLocalId(raw);
    const isFile =
      bare !== undefined &&
      (await stat(join(deps.modelsDir, `${bare}.gguf`)).then(
        (info) => info.isFile(),
        () => false,
      ));
    if (!isFile) raise(modelsProblems.localModelNotFound(decodedId(raw)));
    return bare as string;
  };
  router
    .openapi(load, async (c) => {
      const bare = await localModel(c.req.valid("json").model);
      const model = `${LOCAL_PROVIDER}/${bare}`;
      await deps.engine.load(bare).catch((error: unknown) => {
        c.var.logger.warn({ err: error, model }, "loading a model on request failed");
        raise(conversationsProblems.modelUnavailable(model, reasonOf(error)));
      });
      deps.onChanged();
      c.var.logger.info({ model }, "model loaded on request");
      return c.json({ model, isLoaded: true, outcome: "loaded" as const }, 200);
    })
    .openapi(unload, async (c) => {
      const bare = await localModel(c.req.valid("json").model);
      const model = `${LOCAL_PROVIDER}/${bare}`;
      const outcome = await deps.engine.unload(bare);
      if (outcome === "busy") raise(modelsProblems.inUse(model));
      deps.onChanged();
      c.var.logger.info({ model, outcome }, "model unload requested");
      return c.json({ model, isLoaded: false, outcome }, 200);
    });
  router.openAPIRegistry.registerPath(inspect);
  router.get("/api/admin/local-models/:id{.+}", requireAdmin, async (c) => {
    const bare = await localModel(c.req.param("id"));
    const fileName = `${bare}.gguf`;
    const details = await deps.inspect(join(deps.modelsDir, fileName)).catch((error: unknown) => {
      c.var.logger.warn({ err: error, model: bare }, "reading a model's GGUF header failed");
      return raise(modelsProblems.localModelNotFound(`${LOCAL_PROVIDER}/${bare}`));
    });
    return c.json({ id: `${LOCAL_PROVIDER}/${bare}`, fileName, ...details }, 200);
  });
  router.openAPIRegistry.registerPath(remove);
  router.delete("/api/admin/local-models/:id{.+}", requireAdmin, async (c) => {
    const bare = await localModel(c.req.param("id"));
    const qualified = `${LOCAL_PROVIDER}/${bare}`;
    if (deps.isInUse(qualified)) raise(modelsProblems.inUse(qualified));
    for (const name of await filesOf(deps.modelsDir, bare)) await rm(join(deps.modelsDir, name), { force: true });
    deps.onChanged();
    c.var.logger.info({ model: qualified }, "local model removed");
    return c.body(null, 204);
  });
  return router;
}

/** The files of a local model: its GGUF, and for a split model (`name-00001-of-00003`) every part. */
async function filesOf(modelsDir: string, bare: string): Promise<string[]> {
  const split = /^(.*)-00001-of-(\d{5})$/.exec(bare);
  if (split === null) return [`${bare}.gguf`];
  const [, base, count] = split;
  const names = new Set(await readdir(modelsDir));
  const parts = Array.from(
    { length: Number(count) },
    (_, index) => `${base}-${String(index + 1).padStart(5, "0")}-of-${count}.gguf`,
  );
  return parts.filter((name) => names.has(name));
}

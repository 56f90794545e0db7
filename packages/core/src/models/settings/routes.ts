/**
 * @module Admins see the local models of the node that answers (loaded or not, how, on which GPU) and
 * set each model's settings (see model-settings.ts).
 */
import type { LoadedModelState, ModelDescriptor } from "@hearth/engine/spec";
import { createRoute, z } from "@hono/zod-openapi";
import { currentPrincipal, requireAdmin } from "../../accounts/authenticate.ts";
import { createRouter, invalid } from "../../http/create-router.ts";
import { asAdmin, jsonBody, jsonContent, problems } from "../../http/route-helpers.ts";
import { raise, validationFailed } from "../../problems.ts";
import { bareLocalId, decodedId } from "../local-model-id.ts";
import { LOCAL_PROVIDER } from "../model-registry.ts";
import { modelsProblems } from "../pulls/problems.ts";
import {
  DEFAULT_MODEL_SETTINGS,
  listModelSettings,
  ModelSettings,
  readModelSettings,
  resetModelSettings,
  saveModelSettings,
} from "./model-settings.ts";

const tags = ["admin", "models"];

const Engine = z
  .object({
    isRunning: z.boolean().openapi({ description: "llama.cpp starts on a model's first use; false until then." }),
    buildType: z.enum(["localBuild", "prebuilt"]).nullable(),
    gpu: z
      .union([z.string(), z.literal(false)])
      .nullable()
      .openapi({ description: "The GPU backend in use (`cuda`, `vulkan`, `metal`), false on the CPU alone." }),
    gpuDevices: z.array(z.string()).openapi({ description: "The GPUs llama.cpp found." }),
    threads: z.number().int().nullable(),
  })
  .openapi("LocalEngine");

const LocalModelState = z
  .object({
    id: z.string().openapi({ example: "local/qwen2.5-0.5b-instruct-q4_k_m" }),
    sizeBytes: z.number().int().nullable(),
    state: z.enum(["not-loaded", "loading", "loaded"]),
    contextSize: z.number().int().nullable().openapi({ description: "Tokens of context it was loaded with." }),
    gpuLayers: z.number().int().nullable().openapi({ description: "Layers it was loaded with on the GPU." }),
    chatFormat: z.string().nullable().openapi({ description: "The chat format it talks through." }),
    busy: z.number().int().openapi({ description: "Replies and calls using it now." }),
    waiting: z.number().int().openapi({ description: "Calls waiting for one of its sequences." }),
    lastUsedAt: z.iso.datetime().nullable(),
    unloadsAt: z.iso
      .datetime()
      .nullable()
      .openapi({ description: "When it unloads unless used again (keep-loaded time)." }),
    isStale: z
      .boolean()
      .openapi({ description: "Loaded with settings that changed since: it reloads with the new ones once idle." }),
    settings: ModelSettings,
  })
  .openapi("LocalModelState");

const list = createRoute({
  method: "get",
  path: "/api/admin/local-models",
  tags,
  summary: "The local models of the node that answers: loaded or not, how, and their settings",
  description:
    "Each GGUF in this node's models dir, with how llama.cpp holds it now (loading, loaded with which context, GPU " +
    "layers and chat format, busy) and its settings; and this node's engine (the GPU in use). Behind a load balancer, " +
    "any one node answers.",
  ...asAdmin,
  responses: {
    200: jsonContent(z.object({ engine: Engine, data: z.array(LocalModelState) }), "This node's local models"),
  },
});

const idParam = z.object({ id: z.string().max(300).openapi({ example: "local%2Fqwen2.5-0.5b-instruct-q4_k_m" }) });

const read = createRoute({
  method: "get",
  path: "/api/admin/model-settings/{id}",
  tags,
  summary: "A local model's settings",
  description: "The defaults (every field null, `gpuLayers` `auto`, no sampling) where none were saved.",
  ...asAdmin,
  request: { params: idParam },
  responses: { 200: jsonContent(ModelSettings, "Its settings") },
  ...problems("local-model-not-found"),
});

const save = createRoute({
  method: "put",
  path: "/api/admin/model-settings/{id}",
  tags,
  summary: "Set a local model's settings",
  description:
    "Replaces them all. On every node a loaded model whose load settings (context size, GPU layers, chat template) " +
    "changed is unloaded once idle and loaded with the new ones on its next use; the sampling and system prompt apply " +
    "to the next call. A Jinja template is checked by rendering a chat with it first.",
  ...asAdmin,
  request: { params: idParam, body: jsonBody(ModelSettings) },
  responses: { 200: jsonContent(ModelSettings, "Saved") },
  ...problems("local-model-not-found"),
});

const reset = createRoute({
  method: "delete",
  path: "/api/admin/model-settings/{id}",
  tags,
  summary: "Put a local model's settings back to the defaults",
  ...asAdmin,
  request: { params: idParam },
  responses: { 204: { description: "Back to the defaults" } },
  ...problems("local-model-not-found"),
});

export interface LocalModelSettingsDeps {
  /** The GGUF files of this node's models dir. */
  ownModels: () => Promise<ModelDescriptor[]>;
  /** This node's engine and the models it holds, or undefined while it is not running. */
  engine: () => Promise<
    | {
        info: { buildType: "localBuild" | "prebuilt"; gpu: string | false; gpuDevices: string[]; threads: number };
        loaded: LoadedModelState[];
      }
    | undefined
  >;
  /** Why a chat-template override cannot be used, or undefined (engine's chatTemplateProblem). */
  chatTemplateProblem: (template: string) => string | undefined;
  /** Told after a change: this node's engine and the other nodes take the new settings. */
  onChanged: () => void;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function modelSettingsRoutes(deps: LocalModelSettingsDeps) {
  const router = createRouter().openapi(list, async (c) => {
    const [files, engine, saved] = await Promise.all([deps.ownModels(), deps.engine(), listModelSettings(c.var.db)]);
    const held = new Map((engine?.loaded ?? []).map((model) => [model.modelId, model]));
    const data = files.map((file) => {
      const id = `${LOCAL_PROVIDER}/${file.id}`;
      const model = held.get(file.id);
      return {
        id,
        sizeBytes: file.sizeBytes ?? null,
        state: model?.state ?? ("not-loaded" as const),
        contextSize: model?.contextSize ?? null,
        gpuLayers: model?.gpuLayers ?? null,
        chatFormat: model?.chatFormat ?? null,
        busy: model?.busy ?? 0,
        waiting: model?.waiting ?? 0,
        lastUsedAt: iso(model?.lastUsedAt ?? null),
        unloadsAt: iso(model?.unloadsAt ?? null),
        isStale: model?.isStale ?? false,
        settings: saved.get(id) ?? DEFAULT_MODEL_SETTINGS,
      };
    });
    const info = engine?.info;
    return c.json(
      {
        engine: {
          isRunning: info !== undefined,
          buildType: info?.buildType ?? null,
          gpu: info?.gpu ?? null,
          gpuDevices: info?.gpuDevices ?? [],
          threads: info?.threads ?? null,
        },
        data,
      },
      200,
    );
  });

  /** The qualified id of a local model some node holds (its settings reach every node), or a 404. */
  const knownModel = async (c: { var: { chat: { models: { find(id: string): Promise<unknown> } } } }, raw: string) => {
    const bare = bareLocalId(raw);
    const id = `${LOCAL_PROVIDER}/${bare}`;
    if (bare === undefined || (await c.var.chat.models.find(id)) === undefined)
      raise(modelsProblems.localModelNotFound(decodedId(raw)));
    return id;
  };

  // The id may hold a `/` (`local/name`): these take it whole, so they are declared with the spec's
  // routes for the document and matched by pattern here.
  const settingsPath = "/api/admin/model-settings/:id{.+}";
  router.openAPIRegistry.registerPath(read);
  router.get(settingsPath, requireAdmin, async (c) => {
    const id = await knownModel(c, c.req.param("id"));
    return c.json(await readModelSettings(c.var.db, id), 200);
  });
  router.openAPIRegistry.registerPath(save);
  router.put(settingsPath, requireAdmin, async (c) => {
    const id = await knownModel(c, c.req.param("id"));
    const body: unknown = await c.req
      .json()
      .catch(() => raise({ code: "malformed-json", detail: "The request body is not valid JSON." }));
    const parsed = ModelSettings.safeParse(body);
    if (!parsed.success) raise(invalid("body", parsed.error));
    const settings = parsed.data as ModelSettings;
    const templateProblem =
      settings.chatTemplate === null ? undefined : deps.chatTemplateProblem(settings.chatTemplate);
    if (templateProblem !== undefined)
      raise(validationFailed("body", [{ field: "chatTemplate", message: templateProblem }]));
    const saved = await saveModelSettings(c.var.db, id, settings, currentPrincipal(c).user.id, c.var.clock.now());
    deps.onChanged();
    c.var.logger.info({ model: id }, "model settings saved");
    return c.json(saved, 200);
  });
  router.openAPIRegistry.registerPath(reset);
  router.delete(settingsPath, requireAdmin, async (c) => {
    const id = await knownModel(c, c.req.param("id"));
    if (await resetModelSettings(c.var.db, id)) deps.onChanged();
    c.var.logger.info({ model: id }, "model settings reset");
    return c.body(null, 204);
  });
  return router;
}

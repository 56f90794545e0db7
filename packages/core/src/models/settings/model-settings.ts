/**
 * @module Per-model settings, set by admins: what the llama.cpp engine loads a model with, and the
 * defaults a call to it gets for what it leaves unsaid (sampling, a system prompt). Stored in the
 * database, so every node reads the same; nodes are told of a change (see server.ts) and reload.
 */
import type { Queryable } from "@hearth/db";
import type { CallOptions, ModelLoadSettings, PromptMessage } from "@hearth/engine/spec";
import { z } from "@hono/zod-openapi";
import { SystemPrompt } from "../../conversations/schema.ts";
import { LOCAL_PROVIDER } from "../model-registry.ts";
import { Sampling } from "./sampling.ts";

export const ModelSettings = z
  .object({
    contextSize: z
      .number()
      .int()
      .min(256)
      .max(1_048_576)
      .nullable()
      .openapi({
        description:
          "Tokens of context per sequence (llama.cpp rounds it up to a multiple of 256), at most what the model was " +
          "trained on. null: the engine's `engine.contextSize`.",
      }),
    gpuLayers: z.union([z.literal("auto"), z.number().int().min(0).max(10_000)]).openapi({
      description:
        "Layers offloaded to the GPU: `auto` fits as many as its free memory holds; 0 keeps the model on the CPU. " +
        "Without a GPU every layer runs on the CPU whatever this says.",
    }),
    chatTemplate: z
      .string()
      .min(1)
      .max(64_000)
      .nullable()
      .openapi({
        description:
          "The chat format to use instead of the one the GGUF names: a built-in format's name (`chatML`, `llama3.1`, " +
          "`mistral`, …) or a Jinja template. null: the GGUF's own.",
      }),
    keepLoadedSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 3600)
      .nullable()
      .openapi({ description: "Unloaded once idle this long. null: stays until the memory budget needs the room." }),
    systemPrompt: SystemPrompt.nullable().openapi({
      description:
        "Instructions for calls without their own: conversations with no system prompt, /v1 chats with no system message.",
    }),
    sampling: Sampling,
  })
  .strict()
  .openapi("ModelSettings");
export type ModelSettings = z.infer<typeof ModelSettings>;

export const DEFAULT_MODEL_SETTINGS: ModelSettings = {
  contextSize: null,
  gpuLayers: "auto",
  chatTemplate: null,
  keepLoadedSeconds: null,
  systemPrompt: null,
  sampling: {},
};

interface Row {
  model_id: string;
  context_size: number | null;
  gpu_layers: number | null;
  chat_template: string | null;
  keep_loaded_seconds: number | null;
  system_prompt: string | null;
  sampling: Sampling;
}

const COLUMNS = "model_id, context_size, gpu_layers, chat_template, keep_loaded_seconds, system_prompt, sampling";

const toSettings = (row: Row): ModelSettings => ({
  contextSize: row.context_size,
  gpuLayers: row.gpu_layers ?? "auto",
  chatTemplate: row.chat_template,
  keepLoadedSeconds: row.keep_loaded_seconds,
  systemPrompt: row.system_prompt,
  sampling: Object.fromEntries(Object.entries(row.sampling).filter(([, value]) => value != null)),
});

/** A model's settings (qualified id); the defaults where none were saved. */
export async function readModelSettings(db: Queryable, modelId: string): Promise<ModelSettings> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM model_settings WHERE model_id = $1`, [modelId]);
  return rows[0] === undefined ? DEFAULT_MODEL_SETTINGS : toSettings(rows[0]);
}

/** Every model's saved settings, by qualified id. */
export async function listModelSettings(db: Queryable): Promise<Map<string, ModelSettings>> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM model_settings ORDER BY model_id`);
  return new Map(rows.map((row) => [row.model_id, toSettings(row)]));
}

export async function saveModelSettings(
  db: Queryable,
  modelId: string,
  settings: ModelSettings,
  userId: string,
  now: Date,
): Promise<ModelSettings> {
  const sampling = Object.fromEntries(Object.entries(settings.sampling).filter(([, value]) => value != null));
  const { rows } = await db.query<Row>(
    `INSERT INTO model_settings (model_id, context_size, gpu_layers, chat_template, keep_loaded_seconds, system_prompt, sampling, updated_by, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (model_id) DO UPDATE SET context_size = $2, gpu_layers = $3, chat_template = $4,
       keep_loaded_seconds = $5, system_prompt = $6, sampling = $7, updated_by = $8, updated_at = $9
     RETURNING ${COLUMNS}`,
    [
      modelId,
      settings.contextSize,
      settings.gpuLayers === "auto" ? null : settings.gpuLayers,
      settings.chatTemplate,
      settings.keepLoadedSeconds,
      settings.systemPrompt,
      JSON.stringify(sampling),
      userId,
      now,
    ],
  );
  return toSettings(rows[0] as Row);
}

/** Back to the defaults; whether there was anything to remove. */
export async function resetModelSettings(db: Queryable, modelId: string): Promise<boolean> {
  const { rowCount } = await db.query("DELETE FROM model_settings WHERE model_id = $1", [modelId]);
  return (rowCount ?? 0) > 0;
}

/** What the engine loads each local model with, by its bare id (see ModelLoadSettings). */
export async function localLoadSettings(db: Queryable): Promise<Record<string, ModelLoadSettings>> {
  const prefix = `${LOCAL_PROVIDER}/`;
  const result: Record<string, ModelLoadSettings> = {};
  for (const [modelId, settings] of await listModelSettings(db)) {
    if (!modelId.startsWith(prefix)) continue;
    const load: ModelLoadSettings = {};
    if (settings.contextSize !== null) load.contextSize = settings.contextSize;
    if (settings.gpuLayers !== "auto") load.gpuLayers = settings.gpuLayers;
    if (settings.chatTemplate !== null) load.chatTemplate = settings.chatTemplate;
    if (settings.keepLoadedSeconds !== null) load.keepLoadedSeconds = settings.keepLoadedSeconds;
    result[modelId.slice(prefix.length)] = load;
  }
  return result;
}

/** The sampling options a call carries as such (the reply's length is worked out with its room: see callers). */
const SAMPLING_OPTIONS = ["temperature", "topP", "topK", "minP", "repeatPenalty"] as const;

/** The saved sampling as call options (the reply's length left out). */
export function callSampling(sampling: Sampling): Pick<CallOptions, (typeof SAMPLING_OPTIONS)[number]> {
  const options: Pick<CallOptions, (typeof SAMPLING_OPTIONS)[number]> = {};
  for (const key of SAMPLING_OPTIONS) {
    const value = sampling[key];
    if (value != null) options[key] = value;
  }
  return options;
}

/** What a call leaves unset and the model's settings give: the call with them filled in. */
export interface CallDefaults {
  sampling: Sampling;
  systemPrompt: string | null;
}

/**
 * The call with the model's defaults where it says nothing: each sampling option it leaves unset, and
 * the system prompt where `withSystemPrompt` and it has no system message of its own.
 */
export function withCallDefaults<Call extends Omit<CallOptions, "abortSignal">>(
  call: Call,
  defaults: CallDefaults,
  withSystemPrompt: boolean,
): Call {
  const filled: Call = { ...callSampling(defaults.sampling), ...call };
  if (withSystemPrompt && defaults.systemPrompt !== null && !call.prompt.some((message) => message.role === "system")) {
    const system: PromptMessage = { role: "system", content: defaults.systemPrompt };
    filled.prompt = [system, ...call.prompt];
  }
  return filled;
}

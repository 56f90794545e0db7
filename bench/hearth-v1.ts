/** Hearth's built server on the bench model, with an account, and the `openai` client pointed at its /v1. */
import OpenAI from "openai";
import type { BenchModel } from "./bench-model.ts";
import { type ServerProcess, startServer } from "./server-process.ts";
import { setUpAccount } from "./setup-account.ts";

export interface HearthV1 {
  server: ServerProcess;
  client: OpenAI;
  /** The bench model's id as /v1/models lists it. */
  modelId: string;
}

export interface HearthV1Settings {
  threads: number;
  contextSize: number;
  /** engine.sequencesPerModel: replies one model writes at once (batched into one decode). */
  sequencesPerModel: number;
}

export async function startHearthV1(root: string, model: BenchModel, settings: HearthV1Settings): Promise<HearthV1> {
  const server = await startServer(root, {
    env: {
      HEARTH_MODELS_DIR: model.modelsDir,
      HEARTH_ENGINE_THREADS: String(settings.threads),
      HEARTH_ENGINE_CONTEXT_SIZE: String(settings.contextSize),
      HEARTH_ENGINE_SEQUENCES_PER_MODEL: String(settings.sequencesPerModel),
      HEARTH_ENGINE_GPU: "off",
      // The bench sends hundreds of completions as one user, and up to a model's sequences at once.
      HEARTH_LIMITS_MESSAGES_PER_MINUTE: "1000000",
      HEARTH_CHAT_MAX_REPLIES_IN_PROGRESS: String(Math.max(4, settings.sequencesPerModel)),
    },
  });
  try {
    const { apiKey } = await setUpAccount(server.baseUrl);
    const client = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey, maxRetries: 0 });
    const models = await client.models.list();
    const listed = models.data.find((entry) => entry.id === model.id || entry.id.endsWith(`/${model.id}`));
    if (listed === undefined) {
      throw new Error(`Hearth's /v1/models does not list ${model.id}: ${models.data.map((entry) => entry.id)}`);
    }
    return { server, client, modelId: listed.id };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

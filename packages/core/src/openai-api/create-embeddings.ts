/**
 * @module `POST /v1/embeddings`: one vector per input, in order, as floats or base64. Each input must fit
 * the model's context, checked by its bytes first and then by counting, so an input that cannot fit is
 * refused (naming its index) before the model sees it.
 */
import {
  type ContextWindow,
  type EmbeddingModel,
  NoSuchModelError,
  ProviderUnavailableError,
} from "@hearth/engine/spec";
import type { Context } from "hono";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { conversationsProblems } from "../conversations/problems.ts";
import type { AppEnv } from "../http/app-env.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { raise, validationFailed } from "../problems.ts";
import { recordUsage } from "../usage/record-usage.ts";
import type { Admission } from "./admit-model-call.ts";
import type { EmbeddingRequest } from "./embedding-request.ts";
import { reasonOf } from "./prepare-completion.ts";
import { openAiApiProblems } from "./problems.ts";

/** Embeds the inputs for a call the user was let in for, and releases its admission once the model is done. */
export async function createEmbeddings(
  c: Context<AppEnv>,
  request: EmbeddingRequest,
  admission: Admission,
): Promise<Response> {
  const { models } = c.var.chat;
  const controller = new AbortController();
  const clientSignal = c.req.raw.signal;
  const onClientGone = () => controller.abort(new Error("The client went away."));
  clientSignal.addEventListener("abort", onClientGone, { once: true });
  try {
    const model = await findEmbeddingModel(models, request.model);
    const modelId = `${model.provider}/${model.modelId}`;
    const promptTokens = await countInputs(await contextWindowOf(models, request.model), request.input, modelId);
    const embed = (texts: readonly string[]) => embedWith(c, model, modelId, texts, controller.signal);
    const vectors: number[][] = [];
    if (request.dimensions != null) {
      // The first input alone tells the model's width, before the rest are embedded for nothing.
      vectors.push(...(await embed(request.input.slice(0, 1))));
      const width = vectors[0]?.length ?? 0;
      if (width !== request.dimensions) {
        const message = `must be ${width}, the width of ${modelId}'s vectors (Hearth does not shorten them), or left out`;
        raise(validationFailed("body", [{ field: "dimensions", message }]));
      }
    }
    vectors.push(...(await embed(request.input.slice(vectors.length))));
    const principal = currentPrincipal(c);
    const now = c.var.clock.now();
    await recordUsage(c.var.db, {
      userId: principal.user.id,
      apiKeyId: principal.via === "api-key" ? principal.apiKeyId : undefined,
      source: "api",
      model: modelId,
      status: "done",
      promptTokens,
      completionTokens: 0,
      startedAt: now,
      firstTokenAt: undefined,
      endedAt: now,
    }).catch((error: unknown) => c.var.logger.warn({ err: error }, "recording a call's usage failed"));
    const isBase64 = request.encoding_format === "base64";
    return c.json(
      {
        object: "list" as const,
        data: vectors.map((vector, index) => ({
          object: "embedding" as const,
          index,
          embedding: isBase64 ? toBase64(vector) : vector,
        })),
        model: modelId,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      },
      200,
    );
  } finally {
    clientSignal.removeEventListener("abort", onClientGone);
    await admission.release();
  }
}

async function findEmbeddingModel(models: ModelRegistry, id: string): Promise<EmbeddingModel> {
  try {
    return await models.embeddingModel(id);
  } catch (error) {
    if (error instanceof NoSuchModelError) {
      const { models: listed } = await models.list();
      const available = listed
        .filter((model) => model.isAvailable && model.capabilities.embeddings)
        .map((model) => model.id);
      raise(openAiApiProblems.unknownModel(id, available, "embedding"));
    }
    if (error instanceof ProviderUnavailableError) raise(conversationsProblems.modelUnavailable(id, error.reason));
    throw error;
  }
}

/**
 * The model's context window where it is also a chat model (every local model is); undefined for a
 * remote model that only embeds, whose provider then judges the inputs' length itself.
 */
async function contextWindowOf(models: ModelRegistry, id: string): Promise<ContextWindow | undefined> {
  try {
    return await (await models.languageModel(id)).contextWindow();
  } catch {
    return undefined;
  }
}

/**
 * The inputs' tokens, refusing one that cannot fit the context: the tokens a user message of its text
 * adds to a prompt, less those of an empty one (exact for a local model, a count that never runs short
 * for a remote one); its UTF-8 bytes where no window is known.
 */
async function countInputs(window: ContextWindow | undefined, inputs: readonly string[], modelId: string) {
  if (window === undefined) return inputs.reduce((total, text) => total + Buffer.byteLength(text), 0);
  const { contextTokens, maxTokenBytes } = window;
  const refuse = (index: number, tokens: number): never => {
    const param = inputs.length === 1 ? "input" : `input.${index}`;
    raise(openAiApiProblems.contextLengthExceeded(modelId, tokens, contextTokens, param));
  };
  const empty = await window.countMessageTokens({ role: "user", content: [] });
  let total = 0;
  for (const [index, text] of inputs.entries()) {
    const minimumTokens = Math.ceil(Buffer.byteLength(text) / maxTokenBytes);
    if (minimumTokens >= contextTokens) refuse(index, minimumTokens);
    // The template's tokens around the text keep the check on the safe side of what the model reads.
    const tokens = await window.countMessageTokens({ role: "user", content: [{ type: "text", text }] }, contextTokens);
    if (tokens >= contextTokens) refuse(index, tokens);
    total += Math.max(1, tokens - empty);
  }
  return total;
}

async function embedWith(
  c: Context<AppEnv>,
  model: EmbeddingModel,
  modelId: string,
  texts: readonly string[],
  abortSignal: AbortSignal,
): Promise<number[][]> {
  if (texts.length === 0) return [];
  try {
    return await model.doEmbed(texts, { abortSignal });
  } catch (error) {
    if (error instanceof ProviderUnavailableError) raise(conversationsProblems.modelUnavailable(modelId, error.reason));
    // A client that left stopped the batch: nobody reads the answer, and nothing failed.
    if (!abortSignal.aborted) c.var.logger.warn({ err: error, model: modelId }, "embedding failed");
    raise(conversationsProblems.modelUnavailable(modelId, reasonOf(error)));
  }
}

/** A vector as OpenAI's base64: its float32 values, little-endian, one after another. */
function toBase64(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4);
  return bytes.toString("base64");
}

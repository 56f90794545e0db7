/** @module The answers of the OpenAI-compatible API, for the OpenAPI document. */
import { z } from "@hono/zod-openapi";

export const OpenAiModel = z
  .object({
    id: z.string().openapi({ description: "Qualified id: `<provider>/<model>`.", example: "local/qwen2.5-1.5b" }),
    object: z.literal("model"),
    created: z.number().int().openapi({ description: "Unknown for most models: 0." }),
    owned_by: z.string().openapi({ description: "The provider's id (`local`, `ollama` …)." }),
  })
  .openapi("OpenAiModel");

export const OpenAiModelList = z
  .object({ object: z.literal("list"), data: z.array(OpenAiModel) })
  .openapi("OpenAiModelList");

const ToolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string().openapi({ description: "JSON text." }) }),
});

const Usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

const TopLogprob = z.object({ token: z.string(), logprob: z.number(), bytes: z.array(z.number().int()).nullable() });
const ChoiceLogprobs = z
  .object({
    content: z.array(TopLogprob.extend({ top_logprobs: z.array(TopLogprob) })),
    refusal: z.null(),
  })
  .openapi("ChoiceLogprobs", { description: "Each token's log probability, where the model's provider gives them." });

export const ChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal("assistant"),
          content: z.string().nullable(),
          refusal: z.null(),
          tool_calls: z.array(ToolCall).optional(),
        }),
        logprobs: ChoiceLogprobs.nullable(),
        finish_reason: z.enum(["stop", "length", "tool_calls"]),
      }),
    ),
    usage: Usage,
  })
  .openapi("ChatCompletion");

export const TextCompletion = z
  .object({
    id: z.string(),
    object: z.literal("text_completion"),
    created: z.number().int(),
    model: z.string(),
    choices: z.array(
      z.object({
        text: z.string(),
        index: z.number().int(),
        logprobs: z.null(),
        finish_reason: z.enum(["stop", "length"]),
      }),
    ),
    usage: Usage,
  })
  .openapi("TextCompletion");

export const EmbeddingList = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        object: z.literal("embedding"),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string().openapi({ description: "base64 of float32 LE values." })]),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .openapi("EmbeddingList");

export const ResponseObject = z
  .object({
    id: z.string(),
    object: z.literal("response"),
    created_at: z.number().int(),
    status: z.enum(["completed", "incomplete", "failed", "in_progress"]),
    model: z.string(),
    output: z.array(
      z.union([
        z.object({
          id: z.string(),
          type: z.literal("message"),
          role: z.literal("assistant"),
          status: z.string(),
          content: z.array(z.object({ type: z.literal("output_text"), text: z.string() })),
        }),
        z.object({
          id: z.string(),
          type: z.literal("function_call"),
          status: z.string(),
          call_id: z.string(),
          name: z.string(),
          arguments: z.string().openapi({ description: "JSON text." }),
        }),
      ]),
    ),
    usage: z
      .object({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() })
      .nullable(),
  })
  .catchall(z.unknown())
  .openapi("Response", { description: "The request's settings are repeated in it, as OpenAI's are." });

/** OpenAI's error body, which every /v1 error is rendered as (apps/server declares the responses). */
export const OpenAiError = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().openapi({ example: "invalid_request_error" }),
      param: z.string().nullable().openapi({ description: "The request field at fault, where one is." }),
      code: z.string().nullable().openapi({ example: "model_not_found" }),
    }),
  })
  .openapi("OpenAiError");

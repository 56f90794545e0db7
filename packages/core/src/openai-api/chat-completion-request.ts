/**
 * @module The body of `POST /v1/chat/completions`, as OpenAI's clients send it. Objects are not strict:
 * clients send many fields Hearth has no use for (`frequency_penalty`, `user`, `store` …), and those are
 * dropped. What Hearth reads is validated; `null` counts as absent, as clients send it for unset fields.
 */
import { z } from "@hono/zod-openapi";
import { findJsonSchemaError } from "./json-schema-check.ts";
import { Metadata } from "./metadata.ts";

export const JsonSchema = z
  .record(z.string(), z.unknown())
  .superRefine((schema, context) => {
    const error = findJsonSchemaError(schema);
    if (error !== undefined) context.addIssue({ code: "custom", message: `is not a valid JSON Schema: ${error}` });
  })
  .openapi({ description: "A JSON Schema object." });

const TextPart = z.object({
  type: z.literal("text", { error: "only text parts are supported (type: 'text')" }),
  text: z.string(),
});
const Content = z.union([z.string(), z.array(TextPart)], {
  error: "must be a string or a list of text parts ({type: 'text', text})",
});

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
export const ToolName = z.string().regex(TOOL_NAME, "must be 1 to 64 letters, digits, '_' or '-'");

const ToolCall = z.object({
  id: z.string().min(1).max(256),
  type: z.literal("function"),
  function: z.object({ name: ToolName, arguments: z.string() }),
});

const Message = z.discriminatedUnion(
  "role",
  [
    z.object({ role: z.enum(["system", "developer"]), content: Content }),
    z.object({ role: z.literal("user"), content: Content }),
    z.object({
      role: z.literal("assistant"),
      content: Content.nullish(),
      tool_calls: z.array(ToolCall).max(128).nullish(),
    }),
    z.object({ role: z.literal("tool"), content: Content, tool_call_id: z.string().min(1).max(256) }),
  ],
  { error: "must have a role of system, developer, user, assistant or tool" },
);

const Tool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: ToolName,
    description: z.string().max(100_000).nullish(),
    parameters: JsonSchema.nullish(),
    strict: z.boolean().nullish(),
  }),
});

const ToolChoice = z.union(
  [
    z.enum(["auto", "none", "required"]),
    z.object({ type: z.literal("function"), function: z.object({ name: ToolName }) }),
  ],
  { error: "must be 'auto', 'none', 'required' or {type: 'function', function: {name}}" },
);

const ResponseFormat = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text") }),
    // `schema` on json_object is llama.cpp's extension.
    z.object({ type: z.literal("json_object"), schema: JsonSchema.nullish() }),
    z.object({
      type: z.literal("json_schema"),
      json_schema: z.object({
        name: z.string().min(1).max(256),
        description: z.string().nullish(),
        schema: JsonSchema.nullish(),
        strict: z.boolean().nullish(),
      }),
    }),
  ],
  { error: "must have a type of text, json_object or json_schema" },
);

export const Stop = z.union([z.string().min(1), z.array(z.string().min(1)).max(16)], {
  error: "must be a non-empty string or a list of up to 16 of them",
});

export const TokenCount = z.number().int().min(1).max(1_048_576);

export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1).max(512).openapi({ example: "local/qwen2.5-1.5b-q4_k_m" }),
    messages: z.array(Message).min(1, "must hold at least one message"),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    max_tokens: TokenCount.nullish(),
    max_completion_tokens: TokenCount.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
    stop: Stop.nullish(),
    n: z.literal(1, { error: "only 1 is supported: Hearth writes one choice per request" }).nullish(),
    tools: z.array(Tool).max(128).nullish(),
    tool_choice: ToolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    logprobs: z.boolean().nullish().openapi({
      description:
        "Each token's log probability, where the model's provider gives them (remote OpenAI-compatible ones); null otherwise.",
    }),
    top_logprobs: z.number().int().min(0).max(20).nullish(),
    response_format: ResponseFormat.nullish(),
    metadata: Metadata.nullish(),
    top_k: z.number().int().min(0).max(100_000).nullish().openapi({ description: "llama.cpp's top-k sampling." }),
    min_p: z.number().min(0).max(1).nullish().openapi({ description: "llama.cpp's min-p sampling." }),
    repeat_penalty: z
      .number()
      .min(0)
      .max(10)
      .nullish()
      .openapi({ description: "llama.cpp's penalty on repeated tokens (1 = none)." }),
  })
  .superRefine((request, context) => {
    if (request.top_logprobs != null && request.logprobs !== true) {
      context.addIssue({ code: "custom", path: ["top_logprobs"], message: "needs logprobs: true" });
    }
    const names = (request.tools ?? []).map((tool) => tool.function.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) {
        context.addIssue({
          code: "custom",
          path: ["tools", index, "function", "name"],
          message: `${name} is named twice`,
        });
      }
    });
    const choice = request.tool_choice;
    if ((choice === "required" || typeof choice === "object") && names.length === 0) {
      context.addIssue({ code: "custom", path: ["tool_choice"], message: "needs tools to choose from" });
    }
    if (typeof choice === "object" && choice !== null && names.length > 0 && !names.includes(choice.function.name)) {
      const message = `names ${choice.function.name}, which is not among the tools (${names.join(", ")})`;
      context.addIssue({ code: "custom", path: ["tool_choice", "function", "name"], message });
    }
    const calls = new Set<string>();
    request.messages.forEach((message, index) => {
      if (message.role === "assistant") for (const call of message.tool_calls ?? []) calls.add(call.id);
      if (message.role === "tool" && !calls.has(message.tool_call_id)) {
        const reason = "answers no tool call of an earlier assistant message";
        context.addIssue({ code: "custom", path: ["messages", index, "tool_call_id"], message: reason });
      }
    });
  })
  .openapi("ChatCompletionRequest");
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;
export type ChatMessage = ChatCompletionRequest["messages"][number];

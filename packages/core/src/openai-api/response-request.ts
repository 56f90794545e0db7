/**
 * @module The body of `POST /v1/responses`, as OpenAI's clients (the openai SDK, the Agents SDK, Codex)
 * send it. Hearth's Responses API is stateless: nothing is stored for a later request to refer to, so
 * `previous_response_id`, `conversation` and `background` are refused; `store` is ignored (every
 * response is `store: false`). Text, function tools and JSON output are supported; unknown fields are dropped.
 */
import { z } from "@hono/zod-openapi";
import { JsonSchema, TokenCount, ToolName } from "./chat-completion-request.ts";
import { Metadata } from "./metadata.ts";

const TEXT_ONLY = "only text is supported (input_text, output_text)";

const TextPart = z.object(
  { type: z.enum(["input_text", "output_text"], { error: TEXT_ONLY }), text: z.string() },
  { error: TEXT_ONLY },
);
/** A string stands for one text part; so a part's fault is named at its own path. */
const Content = z.preprocess(
  (content) => (typeof content === "string" ? [{ type: "input_text", text: content }] : content),
  z.array(TextPart, { error: "must be a string or a list of text parts ({type: 'input_text', text})" }),
);

const CallId = z.string().min(1).max(256);

const Item = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("message"),
      role: z.enum(["user", "assistant", "system", "developer"], {
        error: "must be user, assistant, system or developer",
      }),
      content: Content,
    }),
    z.object({ type: z.literal("function_call"), call_id: CallId, name: ToolName, arguments: z.string() }),
    z.object({ type: z.literal("function_call_output"), call_id: CallId, output: Content }),
    // A model's reasoning, which clients send back with the rest of the output; none of Hearth's models reads it.
    z.object({ type: z.literal("reasoning") }),
  ],
  { error: "must have a type of message, function_call, function_call_output or reasoning" },
);

/** An item without `type` is a message, as OpenAI reads it ("easy input messages"). */
const InputItem = z.preprocess(
  (item) =>
    typeof item === "object" && item !== null && !Array.isArray(item) && !("type" in item) && "role" in item
      ? { ...item, type: "message" }
      : item,
  Item,
);

const FunctionTool = z.object(
  {
    type: z.literal("function", { error: "only function tools are supported" }),
    name: ToolName,
    description: z.string().max(100_000).nullish(),
    parameters: JsonSchema.nullish(),
    strict: z.boolean().nullish(),
  },
  { error: "must be a function tool ({type: 'function', name, parameters})" },
);

const ToolChoice = z.union(
  [z.enum(["auto", "none", "required"]), z.object({ type: z.literal("function"), name: ToolName })],
  { error: "must be 'auto', 'none', 'required' or {type: 'function', name}" },
);

const Format = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("json_object") }),
    z.object({
      type: z.literal("json_schema"),
      name: z.string().min(1).max(256),
      schema: JsonSchema,
      description: z.string().nullish(),
      strict: z.boolean().nullish(),
    }),
  ],
  { error: "must have a type of text, json_object or json_schema" },
);

const STATELESS = "is not supported: Hearth's Responses API is stateless and stores no responses";

export const ResponseRequest = z
  .object({
    model: z.string().min(1).max(512).openapi({ example: "local/qwen2.5-1.5b-q4_k_m" }),
    // A string is one user message, so an item's fault is named at its own path (a union would hide it).
    input: z
      .preprocess(
        (input) => (typeof input === "string" ? [{ type: "message", role: "user", content: input }] : input),
        z
          .array(InputItem, {
            error: (issue) => (issue.input === undefined ? undefined : "must be a string or a list of items"),
          })
          .min(1, "must hold at least one item"),
      )
      .openapi({ description: "A string (one user message), or a list of items." }),
    instructions: z.string().nullish(),
    tools: z.array(FunctionTool).max(128).nullish(),
    tool_choice: ToolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    max_output_tokens: TokenCount.nullish(),
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    text: z.object({ format: Format.nullish() }).nullish(),
    stream: z.boolean().nullish(),
    metadata: Metadata.nullish(),
    previous_response_id: z.null(STATELESS).optional(),
    conversation: z.null(STATELESS).optional(),
    background: z
      .boolean()
      .nullish()
      .refine((background) => background !== true, STATELESS),
  })
  .superRefine((request, context) => {
    const names = (request.tools ?? []).map((tool) => tool.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index) {
        context.addIssue({ code: "custom", path: ["tools", index, "name"], message: `${name} is named twice` });
      }
    });
    const choice = request.tool_choice;
    if ((choice === "required" || typeof choice === "object") && names.length === 0) {
      context.addIssue({ code: "custom", path: ["tool_choice"], message: "needs tools to choose from" });
    }
    if (typeof choice === "object" && choice !== null && names.length > 0 && !names.includes(choice.name)) {
      const message = `names ${choice.name}, which is not among the tools (${names.join(", ")})`;
      context.addIssue({ code: "custom", path: ["tool_choice", "name"], message });
    }
    const calls = new Set<string>();
    request.input.forEach((item, index) => {
      if (item.type === "function_call") calls.add(item.call_id);
      if (item.type === "function_call_output" && !calls.has(item.call_id)) {
        const message = "answers no function_call item before it";
        context.addIssue({ code: "custom", path: ["input", index, "call_id"], message });
      }
    });
  })
  .openapi("ResponseRequest");
export type ResponseRequest = z.infer<typeof ResponseRequest>;

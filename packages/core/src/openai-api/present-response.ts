/** @module A Responses API `response` object, as its clients read it at each step and at the end. */
import type { Usage } from "@hearth/engine/spec";
import type { ResponseRequest } from "./response-request.ts";
import type { OutputItem } from "./response-writer.ts";

type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** What every snapshot of one response repeats: its id, its model, and the request's settings. */
export interface ResponseHead {
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** The qualified model id. */
  model: string;
  request: ResponseRequest;
}

export interface ResponseState {
  status: ResponseStatus;
  output: readonly OutputItem[];
  usage?: Usage | undefined;
  /** Why a failed response failed. */
  error?: string | undefined;
}

export function presentResponse(head: ResponseHead, state: ResponseState) {
  const { request } = head;
  return {
    id: head.id,
    object: "response" as const,
    created_at: head.createdAt,
    status: state.status,
    background: false,
    error: state.error === undefined ? null : { code: "server_error" as const, message: state.error },
    // The only way Hearth leaves a response incomplete.
    incomplete_details: state.status === "incomplete" ? { reason: "max_output_tokens" as const } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    max_tool_calls: null,
    model: head.model,
    output: state.output,
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: request.temperature ?? null,
    text: { format: request.text?.format ?? { type: "text" as const } },
    tool_choice: request.tool_choice ?? "auto",
    tools: (request.tools ?? []).map((tool) => ({
      type: "function" as const,
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    top_p: request.top_p ?? null,
    truncation: "disabled" as const,
    usage: state.usage === undefined ? null : toResponseUsage(state.usage),
    user: null,
    metadata: request.metadata ?? {},
  };
}

function toResponseUsage(usage: Usage) {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

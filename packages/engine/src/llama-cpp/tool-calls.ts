/**
 * @module Tool calls as node-llama-cpp's function calling reports them, turned into the spec's parts.
 */
import { randomBytes } from "node:crypto";
import type {
  ChatModelFunctions,
  LlamaChatResponseFunctionCall,
  LlamaChatResponseFunctionCallParamsChunk,
} from "node-llama-cpp";
import type { StreamPart } from "../spec/language-model.ts";

/** A call id as OpenAI's look (`call_` and 24 URL-safe characters): the model writes none. */
export function newToolCallId(): string {
  return `call_${randomBytes(18).toString("base64url")}`;
}

interface CallInProgress {
  id: string;
  name: string;
  input: string;
  /** Newlines not yet passed on: they may be the start of the end marker. */
  held: string;
}

/**
 * Streams each call's arguments as `tool-input-delta`s, then the complete `tool-call`. The arguments'
 * grammar ends with four newlines that node-llama-cpp uses as its end marker and hands out with the
 * last chunks; trailing newlines are held back until more text shows they were inside the arguments.
 */
export class NativeToolCalls {
  readonly #calls: CallInProgress[] = [];
  #completed = 0;

  constructor(private readonly push: (part: StreamPart) => void) {}

  /** Calls made whole so far. */
  get completed(): number {
    return this.#completed;
  }

  /** A call whose arguments began to stream but never completed (the token limit came first). */
  get incompleteCall(): string | undefined {
    return this.#calls.length > this.#completed ? this.#calls[this.#completed]?.name : undefined;
  }

  onParamsChunk(chunk: LlamaChatResponseFunctionCallParamsChunk): void {
    const call = this.#callAt(chunk.callIndex, chunk.functionName);
    const text = call.held + chunk.paramsChunk;
    const kept = text.replace(/\n+$/, "");
    call.held = text.slice(kept.length);
    this.#emit(call, kept);
  }

  onFunctionCall(functionCall: LlamaChatResponseFunctionCall<ChatModelFunctions>): void {
    const call = this.#callAt(this.#completed, functionCall.functionName);
    this.#completed++;
    // A tool without parameters streams none: its input is what node-llama-cpp put in their place.
    if (call.input === "") this.#emit(call, JSON.stringify(functionCall.params ?? {}));
    this.push({ type: "tool-call", toolCallId: call.id, toolName: call.name, input: call.input });
  }

  #callAt(index: number, name: string): CallInProgress {
    let call = this.#calls[index];
    if (call === undefined) {
      call = { id: newToolCallId(), name, input: "", held: "" };
      this.#calls[index] = call;
    }
    return call;
  }

  #emit(call: CallInProgress, delta: string): void {
    if (delta === "") return;
    call.input += delta;
    this.push({ type: "tool-input-delta", toolCallId: call.id, toolName: call.name, delta });
  }
}

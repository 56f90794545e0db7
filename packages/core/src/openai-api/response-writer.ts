/**
 * @module Builds a response's output items from the model's parts, in order, and tells each step as the
 * Responses API's streaming events: `response.output_item.added`, `response.content_part.added`,
 * `response.output_text.delta` … `.done`, `response.content_part.done`, `response.output_item.done`, and
 * for a function call `response.function_call_arguments.delta` … `.done`. A whole response uses the same
 * steps with nobody listening.
 */
import { randomUUID } from "node:crypto";
import type { FinishReason } from "@hearth/engine/spec";
import type { ContentPart } from "./read-parts.ts";

type ItemStatus = "in_progress" | "completed" | "incomplete";

interface OutputText {
  type: "output_text";
  text: string;
  annotations: never[];
  logprobs: never[];
}

export interface MessageItem {
  id: string;
  type: "message";
  role: "assistant";
  status: ItemStatus;
  content: OutputText[];
}

export interface FunctionCallItem {
  id: string;
  type: "function_call";
  status: ItemStatus;
  call_id: string;
  name: string;
  arguments: string;
}

export type OutputItem = MessageItem | FunctionCallItem;

/** An event without its `sequence_number`, which the writer numbers. */
export type ResponseEvent = { type: string } & Record<string, unknown>;

const itemId = (prefix: string) => `${prefix}_${randomUUID().replaceAll("-", "")}`;
const outputText = (text: string): OutputText => ({ type: "output_text", text, annotations: [], logprobs: [] });

export class ResponseWriter {
  readonly output: OutputItem[] = [];
  #sequence = 0;
  /** The message item text is being written into, until a call or the end closes it. */
  #message: { item: MessageItem; index: number } | undefined;
  /** Function calls whose arguments are streaming, by the model's call id. */
  readonly #calls = new Map<string, { item: FunctionCallItem; index: number }>();

  /** `emit` must be done with an event when it returns (a stream serialises it): the items it names change later. */
  constructor(private readonly emit: (event: ResponseEvent & { sequence_number: number }) => void) {}

  /** Sends an event of the response as a whole (`response.created` …), numbered in order with the rest. */
  send(event: ResponseEvent): void {
    this.emit({ ...event, sequence_number: this.#sequence++ });
  }

  add(part: ContentPart): void {
    if (part.type === "text-delta") this.#text(part.text);
    else if (part.type === "tool-input-delta") this.#callDelta(part.toolCallId, part.toolName, part.delta);
    else this.#callDone(part.toolCallId, part.toolName, part.input);
  }

  /** Closes what is still open: the message being written is incomplete unless the reply ended by itself. */
  finish(reason: FinishReason): void {
    this.#closeMessage(reason === "stop" || reason === "tool-calls" ? "completed" : "incomplete");
  }

  /** The text of every message item, as the SDKs' `output_text` joins it. */
  get text(): string {
    return this.output
      .flatMap((item) => (item.type === "message" ? item.content.map((part) => part.text) : []))
      .join("");
  }

  get functionCalls(): FunctionCallItem[] {
    return this.output.filter((item): item is FunctionCallItem => item.type === "function_call");
  }

  #text(delta: string): void {
    if (delta === "") return;
    if (this.#message === undefined) {
      const item: MessageItem = {
        id: itemId("msg"),
        type: "message",
        role: "assistant",
        status: "in_progress",
        content: [],
      };
      const index = this.#open(item);
      this.#message = { item, index };
      this.send({
        ...this.#at(item, index),
        type: "response.content_part.added",
        content_index: 0,
        part: outputText(""),
      });
      item.content.push(outputText(""));
    }
    const { item, index } = this.#message;
    (item.content[0] as OutputText).text += delta;
    this.send({ ...this.#at(item, index), type: "response.output_text.delta", content_index: 0, delta, logprobs: [] });
  }

  #callDelta(callId: string, name: string, delta: string): void {
    const call = this.#calls.get(callId) ?? this.#openCall(callId, name);
    call.item.arguments += delta;
    this.send({ ...this.#at(call.item, call.index), type: "response.function_call_arguments.delta", delta });
  }

  #callDone(callId: string, name: string, input: string): void {
    const call = this.#calls.get(callId) ?? this.#openCall(callId, name);
    const { item, index } = call;
    // A call not streamed, or streamed short of its whole arguments, sends what is missing first.
    const rest = input.startsWith(item.arguments) ? input.slice(item.arguments.length) : "";
    if (rest !== "") this.#callDelta(callId, name, rest);
    item.arguments = input;
    item.status = "completed";
    this.send({ ...this.#at(item, index), type: "response.function_call_arguments.done", name, arguments: input });
    this.send({ type: "response.output_item.done", output_index: index, item });
    this.#calls.delete(callId);
  }

  #openCall(callId: string, name: string) {
    this.#closeMessage("completed");
    const item: FunctionCallItem = {
      id: itemId("fc"),
      type: "function_call",
      status: "in_progress",
      call_id: callId,
      name,
      arguments: "",
    };
    const call = { item, index: this.#open(item) };
    this.#calls.set(callId, call);
    return call;
  }

  #open(item: OutputItem): number {
    const index = this.output.length;
    this.output.push(item);
    this.send({ type: "response.output_item.added", output_index: index, item });
    return index;
  }

  #closeMessage(status: ItemStatus): void {
    if (this.#message === undefined) return;
    const { item, index } = this.#message;
    this.#message = undefined;
    const part = item.content[0] as OutputText;
    item.status = status;
    const at = this.#at(item, index);
    this.send({ ...at, type: "response.output_text.done", content_index: 0, text: part.text, logprobs: [] });
    this.send({ ...at, type: "response.content_part.done", content_index: 0, part: { ...part } });
    this.send({ type: "response.output_item.done", output_index: index, item });
  }

  #at(item: OutputItem, index: number) {
    return { item_id: item.id, output_index: index };
  }
}

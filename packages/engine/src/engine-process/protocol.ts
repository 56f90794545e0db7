/**
 * @module The messages between Hearth and its llama.cpp engine process (see engine-process.ts), sent
 * over Node's IPC channel with structured-clone serialization. Every request carries an id that its
 * answers repeat; a stream answers with parts and then `end`.
 */
import type { LlamaCppInfo, LlamaCppOptions } from "../llama-cpp/llama-cpp-provider.ts";
import type { CallOptions, Prompt, PromptMessage, StreamPart, ToolOptions } from "../spec/language-model.ts";
import type { ModelDescriptor, ToolSupport } from "../spec/model-provider.ts";
import type { LoadedModelState, ModelLoadSettings } from "../spec/model-settings.ts";

/** What the engine process is started with: the provider's options less the callback. */
export type EngineSettings = Omit<LlamaCppOptions, "onModelLoaded">;

/** What an unload did: `busy` while a call holds one of the model's sequences. */
export type UnloadOutcome = "unloaded" | "not-loaded" | "busy";

/** The calls answered with one value, by method, with their arguments and answer. */
export interface EngineCalls {
  info: { args: []; answer: LlamaCppInfo };
  queueDepth: { args: []; answer: number };
  listModels: { args: []; answer: ModelDescriptor[] };
  /** Checks that the model exists (NoSuchModelError otherwise). */
  findModel: { args: [modelId: string]; answer: null };
  contextWindow: {
    args: [modelId: string];
    answer: { contextTokens: number; maxTokenBytes: number; isExact: boolean; tools?: ToolSupport };
  };
  countMessageTokens: { args: [modelId: string, message: PromptMessage, stopAbove?: number]; answer: number };
  countPromptTokens: {
    args: [modelId: string, prompt: Prompt, stopAbove?: number, tools?: ToolOptions];
    answer: number;
  };
  embed: { args: [modelId: string, texts: readonly string[]]; answer: number[][] };
  /** Loads the model now (NoSuchModelError where there is none), rather than on its first use. */
  loadModel: { args: [modelId: string]; answer: null };
  unloadModel: { args: [modelId: string]; answer: UnloadOutcome };
  /** Replaces how every model loads (see LlamaCppProvider.setModelSettings). */
  setModelSettings: { args: [settings: Record<string, ModelLoadSettings>]; answer: null };
  loadedModels: { args: []; answer: LoadedModelState[] };
  close: { args: []; answer: null };
}

export type EngineMethod = keyof EngineCalls;

/** An error as it crosses the channel: the spec's errors keep their class and fields. */
export type WireError =
  | { name: "NoSuchModelError"; modelId: string; available: readonly string[] }
  | { name: "UnsupportedCallOptionError"; option: string; reason: string }
  | { name: "ProviderUnavailableError"; providerId: string; reason: string }
  | { name: "Error"; message: string };

export type ToEngine =
  | { kind: "call"; id: number; method: EngineMethod; args: unknown[] }
  | { kind: "stream"; id: number; modelId: string; options: Omit<CallOptions, "abortSignal"> }
  /** Stops a stream (it still ends with its `finish` and `end`) or an embedding call. */
  | { kind: "abort"; id: number };

export type FromEngine =
  | { kind: "ready"; info: LlamaCppInfo }
  | { kind: "start-failed"; error: WireError }
  | { kind: "answer"; id: number; value: unknown }
  | { kind: "failure"; id: number; error: WireError }
  | { kind: "part"; id: number; part: StreamPart }
  | { kind: "end"; id: number }
  | { kind: "model-loaded"; modelId: string; seconds: number };

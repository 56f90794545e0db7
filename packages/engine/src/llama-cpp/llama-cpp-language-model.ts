import { type ChatModelFunctions, type LLamaChatGenerateResponseOptions, LlamaChat } from "node-llama-cpp";
import type {
  CallOptions,
  ContextWindow,
  LanguageModel,
  Prompt,
  PromptMessage,
  StreamPart,
  ToolOptions,
} from "../spec/language-model.ts";
import { type CallPlan, planCall } from "./call-plan.ts";
import { countTokens } from "./count-tokens.ts";
import type { GrammarCache } from "./grammar-cache.ts";
import { toolSupportOf } from "./inspect-gguf.ts";
import type { LoadedModel } from "./loaded-model.ts";
import { PushQueue } from "./push-queue.ts";
import { type ReplyEnd, toReplyMode } from "./reply-mode.ts";
import { toChatHistory } from "./to-chat-history.ts";

/** One local GGUF model: loaded (through `use`) on the first call that needs it. */
export class LlamaCppLanguageModel implements LanguageModel {
  constructor(
    readonly provider: string,
    readonly modelId: string,
    private readonly use: () => Promise<LoadedModel>,
    private readonly grammars: GrammarCache,
  ) {}

  async contextWindow(): Promise<ContextWindow> {
    const loaded = await this.use();
    const { model, context, chatWrapper } = loaded;
    // The wrapper the chats use, and the history and functions a call with these tools evaluates.
    const countPromptTokens = async (prompt: Prompt, stopAbove?: number, tools?: ToolOptions) => {
      const history = toChatHistory(prompt);
      const plan = tools?.tools?.length ? await planCall({ prompt, ...tools }, this.grammars) : undefined;
      const mode = plan === undefined ? undefined : toReplyMode(plan, () => {}, 0);
      const state = chatWrapper.generateContextState({
        chatHistory: mode === undefined ? history : mode.history(history),
        ...(plan?.kind === "tools" ? { availableFunctions: plan.functions } : {}),
      });
      return countTokens(state.contextText, model.tokenizer, stopAbove);
    };
    const emptyPrompt = await countPromptTokens([]);
    return {
      contextTokens: context.contextSize,
      maxTokenBytes: loaded.maxTokenBytes,
      isExact: true,
      tools: toolSupportOf(chatWrapper),
      countPromptTokens,
      countMessageTokens: async (message, stopAbove) => {
        // A tool result is rendered only with the call it answers: it counts as what it adds to the call.
        const before: Prompt = message.role === "tool" ? [callsAnsweredBy(message)] : [];
        const base = before.length === 0 ? emptyPrompt : await countPromptTokens(before);
        const stop = stopAbove === undefined ? undefined : stopAbove + base;
        return (await countPromptTokens([...before, message], stop)) - base;
      },
    };
  }

  async *doStream(options: CallOptions): AsyncIterable<StreamPart> {
    // Checked before the model loads: a call it cannot honour fails at once, before any part.
    const plan = await planCall(options, this.grammars);
    const loaded = await this.use();
    const callerSignal = options.abortSignal;
    // Linked to the caller's signal, and aborted if the caller stops reading early.
    const controller = new AbortController();
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
    let release: (() => void) | undefined;
    try {
      release = await loaded.slots.acquire(callerSignal).catch(() => undefined);
      if (release === undefined) {
        yield { type: "finish", finishReason: "abort", usage: { inputTokens: 0, outputTokens: 0 } };
        return;
      }
      yield* generate(loaded, options, plan, controller.signal);
    } finally {
      callerSignal?.removeEventListener("abort", onCallerAbort);
      controller.abort();
      release?.();
      loaded.lastUsedAt = Date.now();
    }
  }
}

/** An assistant turn making the calls whose results `message` holds. */
function callsAnsweredBy(message: Extract<PromptMessage, { role: "tool" }>): PromptMessage {
  return {
    role: "assistant",
    content: message.content.map((result) => ({
      type: "tool-call",
      toolCallId: result.toolCallId,
      toolName: result.toolName,
      input: "{}",
    })),
  };
}

async function* generate(
  loaded: LoadedModel,
  options: CallOptions,
  plan: CallPlan,
  signal: AbortSignal,
): AsyncIterable<StreamPart> {
  const prompt = JSON.stringify(options.prompt);
  const sequence = takeSequence(loaded, prompt);
  const chat = new LlamaChat({
    contextSequence: sequence,
    chatWrapper: loaded.chatWrapper,
    autoDisposeSequence: false,
  });
  const before = sequence.tokenMeter.getState();
  // The prompt's tokens the sequence held already (LlamaChat evaluates only from where they differ):
  // they count as read, as the prompt's tokens did before sequences were kept.
  // Measured at the first token: every token evaluated since is one the meter counted.
  let reusedTokens: number | undefined;
  const onToken = () => {
    // The meter books the prompt's last token with the first generated one, after this.
    reusedTokens ??= Math.max(0, sequence.nextTokenIndex - sequence.tokenMeter.diff(before).usedInputTokens - 1);
  };
  const parts = new PushQueue<StreamPart>();
  // Unbounded, a model that never ends (a grammar's string it never closes) would shift its context forever.
  const maxTokens = options.maxOutputTokens ?? loaded.context.contextSize;
  const mode = toReplyMode(plan, (part) => parts.push(part), maxTokens);
  const generation = chat
    .generateResponse<ChatModelFunctions>(mode.history(toChatHistory(options.prompt)), {
      ...sampling(options),
      ...mode.options,
      onToken,
      maxTokens,
      signal,
      stopOnAbortSignal: true,
    })
    .then(
      (result) => finish(mode.end(result.metadata.stopReason)),
      // Aborted before its first token (loading or evaluating the prompt), LlamaChat rejects with the
      // signal's reason: that is a stop like any other, not a failure.
      (error: unknown) => (signal.aborted ? finish({ finishReason: "abort" }) : parts.fail(error)),
    );
  function finish(end: ReplyEnd) {
    const used = sequence.tokenMeter.diff(before);
    parts.push({
      type: "finish",
      ...end,
      usage: {
        inputTokens: used.usedInputTokens + (reusedTokens ?? 0),
        outputTokens: used.usedOutputTokens,
        cachedInputTokens: reusedTokens ?? 0,
      },
    });
    parts.end();
  }
  let isClean = false;
  try {
    yield* parts;
    isClean = true;
  } finally {
    // Let an aborted generation unwind before its sequence is used again.
    await generation;
    chat.dispose();
    // A sequence whose reply failed is given back to the context, awaited: node-llama-cpp does it under
    // the context's lock, and the slot released after this must find it there.
    if (isClean || signal.aborted) loaded.idleSequences.push({ sequence, prompt });
    else await sequence.dispose();
  }
}

/**
 * The idle sequence whose last prompt starts with the most of this one (the most recently used among
 * equals). Where none shares more than a template's opening: a new one while the context has one to
 * give, else the least recently used. The slots hold as many replies as the context has sequences,
 * so one is always free.
 */
function takeSequence(loaded: LoadedModel, prompt: string) {
  let best = -1;
  let bestShared = -1;
  for (const [index, idle] of loaded.idleSequences.entries()) {
    const shared = sharedStart(idle.prompt, prompt);
    if (shared >= bestShared) {
      best = index;
      bestShared = shared;
    }
  }
  if (best === -1 || (bestShared < MIN_SHARED_CHARS && loaded.context.sequencesLeft > 0))
    return loaded.context.getSequence();
  // Sharing nothing worth keeping, the least recently used sequence is overwritten.
  const [taken] = loaded.idleSequences.splice(bestShared < MIN_SHARED_CHARS ? 0 : best, 1);
  return (taken as LoadedModel["idleSequences"][number]).sequence;
}

/** Less in common than this many characters of the prompts' JSON is no reason to overwrite a sequence. */
const MIN_SHARED_CHARS = 64;

function sharedStart(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let index = 0;
  while (index < length && a.charCodeAt(index) === b.charCodeAt(index)) index += 1;
  return index;
}
/** The spec's sampling settings in node-llama-cpp's words; unset ones keep its defaults. */
type Sampling = Pick<
  LLamaChatGenerateResponseOptions,
  "temperature" | "topP" | "topK" | "minP" | "seed" | "repeatPenalty" | "customStopTriggers"
>;

function sampling(options: CallOptions): Sampling {
  const settings: Sampling = {};
  if (options.temperature !== undefined) settings.temperature = options.temperature;
  if (options.topP !== undefined) settings.topP = options.topP;
  if (options.topK !== undefined) settings.topK = options.topK;
  if (options.minP !== undefined) settings.minP = options.minP;
  if (options.seed !== undefined) settings.seed = options.seed;
  if (options.repeatPenalty !== undefined) settings.repeatPenalty = { penalty: options.repeatPenalty };
  if (options.stopSequences !== undefined && options.stopSequences.length > 0)
    settings.customStopTriggers = options.stopSequences;
  return settings;
}

import type { Database } from "@hearth/db";
import type { Clock } from "../clock.ts";
import type { LimitProblem } from "../limits/problems.ts";
import type { UserLimits } from "../limits/user-limits.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import type { Result } from "../problems.ts";
import type { ToolRegistry } from "../tools/tool-registry.ts";
import type { EventStreamCloseReason } from "./event-stream.ts";
import type { EventBus } from "./events.ts";
import type { Generations } from "./generations.ts";
import type { ReplyPlacement } from "./placement.ts";
import type { ConversationsProblem } from "./problems.ts";
import type { StreamRegistry } from "./stream-registry.ts";

/** What the conversation routes need besides the request. */
export interface ChatRuntime {
  bus: EventBus;
  generations: Generations;
  /** Where replies are written: here, or (among nodes) on a node that holds the model. Default: here. */
  placement?: ReplyPlacement;
  /** Every provider's models; replies resolve their model through it. */
  models: ModelRegistry;
  /** The tools conversations may enable (the same registry the replies run them from). */
  tools: ToolRegistry;
  /** The model a conversation uses when it names none; by default the first installed one. */
  defaultModel?: string | undefined;
  /** Replies one user may have pending or streaming at once, so nobody can fill the model's queue. */
  maxRepliesInProgress: number;
  stream: EventStreamSettings;
  /** This node's open event streams: their credentials are re-checked, and each user's are counted. */
  streams: StreamRegistry;
  streamMetrics?: {
    opened: () => void;
    closed: (reason: EventStreamCloseReason) => void;
  };
}

export interface EventStreamSettings {
  /** A comment line is sent this often, so proxies keep an idle stream open. */
  heartbeatMs: number;
  /** Bytes a client may leave unread before the stream stops queueing for it. */
  maxBufferedBytes: number;
  /** A client that takes nothing for this long while events wait is disconnected. */
  stallTimeoutMs: number;
}

/** What every conversation verb works with. */
export interface ChatContext {
  db: Database;
  clock: Clock;
  chat: ChatRuntime;
  /** The user's limits, overrides applied (the storage quota is checked under the send's lock). */
  limits: UserLimits;
}

export interface ConversationHead {
  id: string;
  model: string | null;
  active_message_id: string | null;
}

export type ChatResult<T> = Result<T, ConversationsProblem | LimitProblem>;

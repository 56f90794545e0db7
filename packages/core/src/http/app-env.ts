import type { Database } from "@hearth/db";
import type { CredentialCache } from "../accounts/credential-cache.ts";
import type { LoginPolicy } from "../accounts/login.ts";
import type { Principal } from "../accounts/principal.ts";
import type { Revocations } from "../accounts/revocations.ts";
import type { Clock } from "../clock.ts";
import type { ChatRuntime } from "../conversations/chat.ts";
import type { JobRuntime } from "../jobs/job-worker.ts";
import type { UserLimits } from "../limits/user-limits.ts";
import type { Logger } from "../logger.ts";
import type { RateStore } from "../quotas/rate-store.ts";

/** What every route handler finds on the context, set up by apps/server's middleware. */
export interface AppVariables {
  requestId: string;
  logger: Logger;
  db: Database;
  clock: Clock;
  accounts: AccountsSettings;
  /** Who is asking; null when no valid credential came with the request. */
  principal: Principal | null;
  /** The client's address (from X-Forwarded-For only when the proxy is trusted). */
  clientIp: string | undefined;
  /** Whether the client reached us over HTTPS (directly, or through a trusted proxy). */
  isSecureRequest: boolean;
  /** The embedded llama.cpp engine's state, for the model list. */
  engine: EngineAccess;
  /** Replies being generated, and the bus that carries conversation events to streams. */
  chat: ChatRuntime;
  /** The configured per-user limits; `limitsFor` applies an admin's overrides for one user. */
  limits: UserLimits;
  /** The durable job queue (jobs/job-worker.ts); undefined where no queue runs (some tests). */
  jobs?: JobRuntime | undefined;
  /** Where rate limits keep their state: the database, or Redis when it is configured (rate-store.ts). */
  rates: RateStore;
  /** Where a route that revokes a credential says so, so this node's streams held with it end at once. */
  revocations: Revocations;
  /**
   * Sessions and keys recently resolved (see credential-cache.ts); a route that changes a credential
   * or a user calls `invalidate`. Undefined: every request asks the database.
   */
  credentials?: CredentialCache | undefined;
}

export interface EngineAccess {
  /** The llama.cpp binary in use; undefined while the engine is not running (it starts on first use). */
  info(): { buildType: "localBuild" | "prebuilt"; gpu: string | false; threads: number } | undefined;
  /** Whether llama.cpp compiled on this machine is in use, being compiled, or why not. */
  localBuild(): { state: "ready" | "building" | "none" | "failed"; detail: string };
}

export interface AccountsSettings extends LoginPolicy {
  cookieName: string;
}

export interface AppEnv {
  Variables: AppVariables;
}

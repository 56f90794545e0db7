import { LOCAL_PROVIDER } from "../models/model-registry.ts";
import { fail, ok } from "../problems.ts";
import type { ChatResult, ChatRuntime } from "./chat.ts";
import { conversationsProblems as problems } from "./problems.ts";

/**
 * The model to answer with, as a qualified id: the one asked for (a bare id names a local model), else
 * the configured default, else the first available chat model.
 */
export async function resolveModel(chat: ChatRuntime, requested: string | null): Promise<ChatResult<string>> {
  const wanted = requested ?? chat.defaultModel;
  if (wanted !== undefined) {
    const found = await chat.models.find(wanted);
    if (found === undefined) {
      const { models, providers } = await chat.models.list();
      // A provider that is down has listed nothing: its models are unknown, not missing.
      const down = providers.find((provider) => !provider.isAvailable && wanted.startsWith(`${provider.id}/`));
      if (down !== undefined) return fail(problems.modelUnavailable(wanted, down.reason ?? "unknown"));
      return fail(
        problems.modelNotFound(
          wanted,
          models.map((model) => model.id),
        ),
      );
    }
    if (!found.isAvailable) return fail(problems.modelUnavailable(found.id, found.unavailableReason ?? "unknown"));
    return ok(found.id);
  }
  const { models, providers } = await chat.models.list();
  const first = models.find((model) => model.isAvailable && model.capabilities.chat);
  if (first !== undefined) return ok(first.id);
  const local = providers.find((provider) => provider.id === LOCAL_PROVIDER);
  if (local !== undefined && !local.isAvailable) return fail(problems.engineUnavailable(local.reason ?? "unknown"));
  return fail(problems.noModel());
}

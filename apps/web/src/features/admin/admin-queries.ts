import { type components, unwrap } from "@hearth/sdk";
import { type QueryClient, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

type CreateUserInput = components["schemas"]["CreateUserInput"];
type UpdateUserInput = components["schemas"]["UpdateUserInput"];
type CreateProviderInput = components["schemas"]["CreateProviderInput"];
type StartModelPull = components["schemas"]["StartModelPull"];
type ModelPull = components["schemas"]["ModelPull"];
type ModelSettings = components["schemas"]["ModelSettings"];

const adminKeys = {
  users: ["admin", "users"] as const,
  limits: (userId: string) => ["admin", "users", userId, "limits"] as const,
  providers: ["admin", "providers"] as const,
  modelPulls: ["admin", "model-pulls"] as const,
  localModels: [...queryKeys.models, "local"] as const,
};

/** Every user, oldest first, a page at a time. */
export function useUsers() {
  return useInfiniteQuery({
    queryKey: adminKeys.users,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.api.GET("/api/admin/users", {
          params: { query: { limit: 50, ...(pageParam === undefined ? {} : { cursor: pageParam }) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });
}

export function useCreateUser() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: CreateUserInput) => unwrap(await client.api.POST("/api/admin/users", { body })),
    onSuccess: () => queries.invalidateQueries({ queryKey: adminKeys.users }),
  });
}

/** Changes a user's role, or disables or enables them. */
export function useUpdateUser() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, change }: { id: string; change: UpdateUserInput }) =>
      unwrap(await client.api.PATCH("/api/admin/users/{id}", { params: { path: { id } }, body: change })),
    onSuccess: () => queries.invalidateQueries({ queryKey: adminKeys.users }),
  });
}

/** A user's limits: what applies, the defaults, an admin's overrides and the user's usage. */
export function useUserLimits(userId: string) {
  return useQuery({
    queryKey: adminKeys.limits(userId),
    queryFn: async () =>
      unwrap(await client.api.GET("/api/admin/users/{id}/limits", { params: { path: { id: userId } } })),
  });
}

export function useProviders() {
  return useQuery({
    queryKey: adminKeys.providers,
    queryFn: async () => unwrap(await client.api.GET("/api/admin/providers")).data,
  });
}

/** Adds or removes a provider; the model list everyone picks from changes with it. */
export function useCreateProvider() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: CreateProviderInput) => unwrap(await client.api.POST("/api/admin/providers", { body })),
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: adminKeys.providers });
      void queries.invalidateQueries({ queryKey: queryKeys.models });
    },
  });
}

export function useRemoveProvider() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await client.api.DELETE("/api/admin/providers/{id}", { params: { path: { id } } }));
    },
    onSuccess: () => {
      void queries.invalidateQueries({ queryKey: adminKeys.providers });
      void queries.invalidateQueries({ queryKey: queryKeys.models });
    },
  });
}

/** Asks the provider for its models: the answer says whether it could be reached, and how fast. */
export function useTestConnection() {
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.api.POST("/api/admin/providers/{id}/test", { params: { path: { id } } })),
  });
}

/** The latest model pulls, running and ended, newest first. */
export function useModelPulls() {
  return useQuery({
    queryKey: adminKeys.modelPulls,
    queryFn: async () => unwrap(await client.api.GET("/api/admin/models/pulls")).data,
  });
}

/** Puts a pull as it stands now in the list of pulls (at the top when it is new). */
function putModelPull(queries: QueryClient, pull: ModelPull) {
  queries.setQueryData<ModelPull[]>(adminKeys.modelPulls, (pulls) => {
    if (pulls === undefined) return pulls;
    if (!pulls.some((each) => each.id === pull.id)) return [pull, ...pulls];
    return pulls.map((each) => (each.id === pull.id ? pull : each));
  });
}

export function useStartModelPull() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: StartModelPull) => unwrap(await client.api.POST("/api/admin/models/pulls", { body })),
    onSuccess: (pull) => putModelPull(queries, pull),
  });
}

/** Cancels a running pull; one that ended meanwhile is refused, and the list is read again to show how it ended. */
export function useCancelModelPull() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.api.DELETE("/api/admin/models/pulls/{id}", { params: { path: { id } } })),
    onSuccess: (pull) => putModelPull(queries, pull),
    onError: () => queries.invalidateQueries({ queryKey: adminKeys.modelPulls }),
  });
}

export const isPullRunning = (pull: ModelPull) => pull.status === "downloading" || pull.status === "verifying";

/**
 * Follows a running pull's events, putting each state of it in the list of pulls, until it ends or
 * the component unmounts. A pull that ends done is a new model: every model list (the picker's
 * too) is read again.
 */
export function useFollowModelPull(pull: ModelPull) {
  const queries = useQueryClient();
  const { id } = pull;
  const isFollowed = isPullRunning(pull);
  useEffect(() => {
    if (!isFollowed) return;
    const events = new EventSource(`/api/admin/models/pulls/${encodeURIComponent(id)}/events`);
    const read = (event: MessageEvent<string>) => JSON.parse(event.data) as ModelPull;
    events.addEventListener("progress", (event) => putModelPull(queries, read(event)));
    events.addEventListener("end", (event) => {
      events.close();
      const ended = read(event);
      putModelPull(queries, ended);
      if (ended.status === "done") void queries.invalidateQueries({ queryKey: queryKeys.models });
    });
    // EventSource connects again by itself after a dropped connection; one it gives up on (the
    // server answered a problem) leaves the list to say what became of the pull.
    events.addEventListener("error", () => {
      if (events.readyState === EventSource.CLOSED) void queries.invalidateQueries({ queryKey: adminKeys.modelPulls });
    });
    return () => events.close();
  }, [id, isFollowed, queries]);
}

/**
 * This node's local models as its llama.cpp holds them (loading, loaded, how), with their settings,
 * and the engine (the GPU in use). Under the model list's key, so what changes that list (a pull that
 * ends, a removal) reads this again too. Loading, reloading and keep-loaded times change without a
 * request from here: while one may, it is read again every two seconds.
 */
export function useLocalModels() {
  return useQuery({
    queryKey: adminKeys.localModels,
    queryFn: async () => unwrap(await client.api.GET("/api/admin/local-models")),
    refetchInterval: (query) =>
      query.state.data?.data.some((model) => model.state === "loading" || model.isStale || model.unloadsAt !== null)
        ? 2000
        : false,
  });
}

/** Loads a local model into the engine now, or unloads it (refused with 409 model-in-use while a call holds it). */
export function useLoadLocalModel() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, action }: { id: string; action: "load" | "unload" }) => {
      const path = action === "load" ? "/api/admin/local-models/load" : "/api/admin/local-models/unload";
      return unwrap(await client.api.POST(path, { body: { model: id } }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: queryKeys.models }),
  });
}

/** Saves a local model's settings whole, or (null) puts them back to the defaults. */
export function useSaveModelSettings() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, settings }: { id: string; settings: ModelSettings | null }) => {
      const path = { params: { path: { id } } };
      if (settings === null) unwrap(await client.api.DELETE("/api/admin/model-settings/{id}", path));
      else unwrap(await client.api.PUT("/api/admin/model-settings/{id}", { ...path, body: settings }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: queryKeys.models }),
  });
}

/** Removes a local model's file; refused (model-in-use) while a reply uses it. */
export function useRemoveLocalModel() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await client.api.DELETE("/api/admin/local-models/{id}", { params: { path: { id } } }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: queryKeys.models }),
  });
}

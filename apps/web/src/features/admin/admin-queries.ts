import { type components, unwrap } from "@hearth/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

type CreateUserInput = components["schemas"]["CreateUserInput"];
type UpdateUserInput = components["schemas"]["UpdateUserInput"];
type CreateProviderInput = components["schemas"]["CreateProviderInput"];

const adminKeys = {
  users: ["admin", "users"] as const,
  limits: (userId: string) => ["admin", "users", userId, "limits"] as const,
  providers: ["admin", "providers"] as const,
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

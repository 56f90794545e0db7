import { type components, unwrap } from "@hearth/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";

type CreateProfile = components["schemas"]["CreateRateLimitProfile"];
type UpdateProfile = components["schemas"]["UpdateRateLimitProfile"];
type Assign = components["schemas"]["AssignRateLimitProfile"];

const profilesKey = ["admin", "rate-limit-profiles"] as const;

export function useProfiles() {
  return useQuery({
    queryKey: profilesKey,
    queryFn: async () => unwrap(await client.api.GET("/api/admin/rate-limit-profiles")).data,
  });
}

/** Creates a profile (`id` new) or changes one (`change` of an existing id). */
export function useSaveProfile() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (input: { create: CreateProfile } | { id: string; change: UpdateProfile }) =>
      "create" in input
        ? unwrap(await client.api.POST("/api/admin/rate-limit-profiles", { body: input.create }))
        : unwrap(
            await client.api.PATCH("/api/admin/rate-limit-profiles/{id}", {
              params: { path: { id: input.id } },
              body: input.change,
            }),
          ),
    onSuccess: () => queries.invalidateQueries({ queryKey: profilesKey }),
  });
}

export function useDeleteProfile() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await client.api.DELETE("/api/admin/rate-limit-profiles/{id}", { params: { path: { id } } }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: profilesKey }),
  });
}

export function useAssignProfile() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (body: Assign) => unwrap(await client.api.PUT("/api/admin/rate-limit-assignments", { body })),
    onSuccess: () => queries.invalidateQueries({ queryKey: profilesKey }),
  });
}

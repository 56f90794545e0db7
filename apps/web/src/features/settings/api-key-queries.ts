import { type components, unwrap } from "@hearth/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";

type ApiKey = components["schemas"]["ApiKey"];

const apiKeysKey = ["api-keys"] as const;

/** The signed-in user's API keys, without their secrets. */
export function useApiKeys() {
  return useQuery({
    queryKey: apiKeysKey,
    queryFn: async () => unwrap(await client.api.GET("/api/api-keys")).data,
  });
}

/** Creates a key; the answer holds its secret, which the server never shows again. */
export function useCreateApiKey() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => unwrap(await client.api.POST("/api/api-keys", { body: { name } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: apiKeysKey }),
  });
}

export function useRevokeApiKey() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (key: ApiKey) => {
      unwrap(await client.api.DELETE("/api/api-keys/{id}", { params: { path: { id: key.id } } }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: apiKeysKey }),
  });
}

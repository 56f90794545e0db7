import { type components, unwrap } from "@hearth/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

type Conversation = components["schemas"]["Conversation"];
type UpdateConversation = components["schemas"]["UpdateConversationInput"];

/** Every model of every provider (unavailable ones with their reason). */
export function useModels() {
  return useQuery({
    queryKey: queryKeys.models,
    queryFn: async () => unwrap(await client.api.GET("/api/models")),
  });
}

export function useTools() {
  return useQuery({
    queryKey: ["tools"],
    queryFn: async () => unwrap(await client.api.GET("/api/tools")).data,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useConversation(id: string | undefined) {
  return useQuery({
    queryKey: queryKeys.conversation(id ?? ""),
    queryFn: async () =>
      unwrap(await client.api.GET("/api/conversations/{id}", { params: { path: { id: id ?? "" } } })),
    enabled: id !== undefined,
  });
}

/** Changes a conversation's model or tools; the next reply uses them. */
export function useUpdateConversation(id: string) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (change: UpdateConversation) =>
      unwrap(await client.api.PATCH("/api/conversations/{id}", { params: { path: { id } }, body: change })),
    onSuccess: (conversation: Conversation) => {
      queries.setQueryData(queryKeys.conversation(id), conversation);
      void queries.invalidateQueries({ queryKey: queryKeys.conversations });
    },
  });
}

import { type components, unwrap } from "@hearth/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

type Assistant = components["schemas"]["Assistant"];
type CreateAssistant = components["schemas"]["CreateAssistantInput"];
type UpdateAssistant = components["schemas"]["UpdateAssistantInput"];
type UpdateConversation = components["schemas"]["UpdateConversationInput"];

const ASSISTANTS = ["assistants"] as const;

/** The user's assistants and the shared ones, every page (one person has at most 200, plus the shared). */
export function useAssistants() {
  return useQuery({
    queryKey: ASSISTANTS,
    queryFn: async () => {
      const all: Assistant[] = [];
      let cursor: string | undefined;
      do {
        const page = unwrap(
          await client.api.GET("/api/assistants", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
        );
        all.push(...page.data);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return all;
    },
  });
}

/** Makes an assistant (no id) or changes one. */
export function useSaveAssistant() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, body }: { id: string | undefined; body: CreateAssistant }) =>
      id === undefined
        ? unwrap(await client.api.POST("/api/assistants", { body }))
        : unwrap(
            await client.api.PATCH("/api/assistants/{id}", { params: { path: { id } }, body: body as UpdateAssistant }),
          ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ASSISTANTS }),
  });
}

export function useDeleteAssistant() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await client.api.DELETE("/api/assistants/{id}", { params: { path: { id } } }));
    },
    onSuccess: () => queries.invalidateQueries({ queryKey: ASSISTANTS }),
  });
}

/** An open conversation, as the chat's toolbar reads it (the same cache entry). */
export function useConversationSettings(id: string) {
  return useQuery({
    queryKey: queryKeys.conversation(id),
    queryFn: async () => unwrap(await client.api.GET("/api/conversations/{id}", { params: { path: { id } } })),
  });
}

/** Changes the open conversation's system prompt and sampling; the next reply uses them. */
export function useSaveConversationSettings(id: string) {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (change: UpdateConversation) =>
      unwrap(await client.api.PATCH("/api/conversations/{id}", { params: { path: { id } }, body: change })),
    onSuccess: (conversation) => {
      queries.setQueryData(queryKeys.conversation(id), conversation);
      void queries.invalidateQueries({ queryKey: queryKeys.conversations });
    },
  });
}

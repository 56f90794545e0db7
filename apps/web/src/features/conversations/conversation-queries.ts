import { type components, unwrap } from "@hearth/sdk";
import {
  type InfiniteData,
  keepPreviousData,
  type QueryClient,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

export type Conversation = components["schemas"]["Conversation"];
type ConversationPage = components["schemas"]["ConversationPage"];
type ConversationChange = components["schemas"]["UpdateConversationInput"];

const PAGE_SIZE = 50;
// Under queryKeys.conversations, so whatever invalidates that (a new conversation, a reply) refreshes these too.
const listKey = (q: string) => [...queryKeys.conversations, "list", q] as const;
const searchKey = (q: string) => [...queryKeys.conversations, "search", q] as const;

async function fetchPage(q: string, cursor: string | undefined, limit: number): Promise<ConversationPage> {
  return unwrap(
    await client.api.GET("/api/conversations", {
      params: { query: { limit, ...(q === "" ? {} : { q }), ...(cursor === undefined ? {} : { cursor }) } },
    }),
  );
}

/** The signed-in user's conversations whose title holds `q` (all for ""), pinned first, a page at a time. */
export function useConversationPages(q: string) {
  return useInfiniteQuery({
    queryKey: listKey(q),
    queryFn: ({ pageParam }) => fetchPage(q, pageParam, PAGE_SIZE),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    // While a new filter loads, the last list stays instead of an empty one.
    placeholderData: keepPreviousData,
  });
}

/** The first conversations whose title holds `q`, for the search dialog. */
export function useConversationSearch(q: string, enabled: boolean) {
  return useQuery({
    queryKey: searchKey(q),
    queryFn: async () => (await fetchPage(q, undefined, 20)).data,
    placeholderData: keepPreviousData,
    enabled,
  });
}

export const conversationsOf = (data: InfiniteData<ConversationPage> | undefined): Conversation[] =>
  data?.pages.flatMap((page) => page.data) ?? [];

/** Every cached list with `change` applied to each of its conversations, so the sidebar shows a change at once. */
function patchLists(queries: QueryClient, change: (conversation: Conversation) => Conversation | undefined): void {
  queries.setQueriesData<InfiniteData<ConversationPage>>({ queryKey: [...queryKeys.conversations, "list"] }, (data) =>
    data === undefined
      ? data
      : {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            data: page.data.flatMap((conversation) => change(conversation) ?? []),
          })),
        },
  );
}

/** Once the server has changed conversations: the lists refetched (order, pins) and the open one too. */
function refresh(queries: QueryClient, conversationId: string): Promise<unknown> {
  void queries.invalidateQueries({ queryKey: queryKeys.conversation(conversationId) });
  return queries.invalidateQueries({ queryKey: queryKeys.conversations });
}

/** Renames, pins or unpins a conversation. */
export function useUpdateConversation() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, change }: { id: string; change: ConversationChange }) =>
      unwrap(await client.api.PATCH("/api/conversations/{id}", { params: { path: { id } }, body: change })),
    onSuccess: (updated) => {
      patchLists(queries, (conversation) => (conversation.id === updated.id ? updated : conversation));
      return refresh(queries, updated.id);
    },
  });
}

/** Deletes a conversation (it leaves the lists at once; restoring brings it back). */
export function useDeleteConversation() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.api.DELETE("/api/conversations/{id}", { params: { path: { id } } })),
    onMutate: (id) => patchLists(queries, (conversation) => (conversation.id === id ? undefined : conversation)),
    onSettled: (_result, _error, id) => refresh(queries, id),
  });
}

export function useRestoreConversation() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.api.POST("/api/conversations/{id}/restore", { params: { path: { id } } })),
    onSuccess: (restored) => refresh(queries, restored.id),
  });
}

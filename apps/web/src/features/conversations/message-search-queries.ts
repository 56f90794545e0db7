import { type components, unwrap } from "@hearth/sdk";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

export type SearchHit = components["schemas"]["SearchHit"];
export type SearchMode = "hybrid" | "keyword" | "semantic";

/** Hits the search dialog shows; the API answers at most 50. */
const HIT_LIMIT = 20;
/** While messages wait to be indexed, the answer is asked for again this often: new hits appear as they are. */
const INDEXING_REFRESH_MS = 2000;

// Under queryKeys.conversations, so a new message or a deleted conversation refreshes open results too.
const searchKey = (q: string, mode: SearchMode) => [...queryKeys.conversations, "messages", q, mode] as const;

/** The signed-in user's messages that match `q` best, by `mode`; nothing is asked for an empty `q`. */
export function useMessageSearch(q: string, mode: SearchMode) {
  return useQuery({
    queryKey: searchKey(q, mode),
    queryFn: async ({ signal }) =>
      unwrap(await client.api.GET("/api/search", { params: { query: { q, mode, limit: HIT_LIMIT } }, signal })),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => ((query.state.data?.indexing.messagesToIndex ?? 0) > 0 ? INDEXING_REFRESH_MS : false),
    enabled: q !== "",
  });
}

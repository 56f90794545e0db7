import { type components, unwrap } from "@hearth/sdk";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";

type JobState = components["schemas"]["JobState"];

const jobsKey = ["admin", "jobs"] as const;
/** While a job on the screen is queued or running, the list is read again this often to show how it ends. */
const REFRESH_MS = 3000;

/** The counts per queue and state (as of the latest page) and the jobs in `state` (all: undefined), newest first. */
export function useJobs(state: JobState | undefined) {
  return useInfiniteQuery({
    queryKey: [...jobsKey, state ?? "all"],
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.api.GET("/api/admin/jobs", {
          params: {
            query: {
              limit: 50,
              ...(state === undefined ? {} : { state }),
              ...(pageParam === undefined ? {} : { cursor: pageParam }),
            },
          },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    // Another state chosen: the counts and jobs shown stay until the new ones come, rather than blinking away.
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.data.some((job) => job.state === "queued" || job.state === "running"))
        ? REFRESH_MS
        : false,
  });
}

/** Queues a dead job (or one waiting out its backoff) again now; the list is read again. */
export function useRetryJob() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await client.api.POST("/api/admin/jobs/{id}/retry", { params: { path: { id } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: jobsKey }),
  });
}

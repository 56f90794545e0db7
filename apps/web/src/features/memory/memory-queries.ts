import { type components, unwrap } from "@hearth/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";

type Memory = components["schemas"]["Memory"];
type MemoryExport = components["schemas"]["MemoryExport"];
type SettingsChange = components["schemas"]["UpdateMemorySettingsInput"];

/** The longest memory the server keeps: one line of a short fact. */
export const MAX_MEMORY_CHARS = 500;
const PAGE_SIZE = 50;
const MEMORY = ["memory"] as const;
const settingsKey = [...MEMORY, "settings"] as const;
const listKey = (status: Memory["status"]) => [...MEMORY, "list", status] as const;

// Replies save and propose memories while this page is closed: it reads them again each time it opens.
const FRESH = { staleTime: 0 } as const;

/** Whether memory is on, how it works, and how many memories are saved and proposed. */
export function useMemorySettings() {
  return useQuery({
    queryKey: settingsKey,
    queryFn: async () => unwrap(await client.api.GET("/api/memory/settings")),
    ...FRESH,
  });
}

export function useUpdateMemorySettings() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (change: SettingsChange) =>
      unwrap(await client.api.PATCH("/api/memory/settings", { body: change })),
    onSuccess: (settings) => queries.setQueryData(settingsKey, settings),
  });
}

/** The saved memories or the proposals, newest first, a page at a time. */
export function useMemoryPages(status: Memory["status"]) {
  return useInfiniteQuery({
    queryKey: listKey(status),
    queryFn: async ({ pageParam }) =>
      unwrap(
        await client.api.GET("/api/memories", {
          params: { query: { status, limit: PAGE_SIZE, ...(pageParam === undefined ? {} : { cursor: pageParam }) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    ...FRESH,
  });
}

/** After any change: the lists and the counts in the settings are read again. */
function useInvalidateMemory() {
  const queries = useQueryClient();
  return () => queries.invalidateQueries({ queryKey: MEMORY });
}

/** Saves a memory the person wrote (the server answers the one kept already for the same fact). */
export function useAddMemory() {
  const invalidate = useInvalidateMemory();
  return useMutation({
    mutationFn: async (content: string) => unwrap(await client.api.POST("/api/memories", { body: { content } })),
    onSuccess: invalidate,
  });
}

/** Changes a memory's text, or saves a proposal (`status: "saved"`). */
export function useUpdateMemory() {
  const invalidate = useInvalidateMemory();
  return useMutation({
    mutationFn: async ({ id, ...change }: { id: string; content?: string; status?: "saved" }) =>
      unwrap(await client.api.PATCH("/api/memories/{id}", { params: { path: { id } }, body: change })),
    onSuccess: invalidate,
  });
}

/** Deletes a memory, or dismisses a proposal. */
export function useDeleteMemory() {
  const invalidate = useInvalidateMemory();
  return useMutation({
    mutationFn: async (id: string) => {
      unwrap(await client.api.DELETE("/api/memories/{id}", { params: { path: { id } } }));
    },
    onSuccess: invalidate,
  });
}

export function useDeleteAllMemories() {
  const invalidate = useInvalidateMemory();
  return useMutation({
    mutationFn: async () => unwrap(await client.api.DELETE("/api/memories")),
    onSuccess: invalidate,
  });
}

/** Fetches the export (settings and every memory) and hands it to the browser as a JSON file. */
export function useExportMemories() {
  return useMutation({
    mutationFn: async () => {
      const exported: MemoryExport = unwrap(await client.api.GET("/api/memories/export"));
      const file = new Blob([JSON.stringify(exported, null, 2)], { type: "application/json" });
      const url = URL.createObjectURL(file);
      const link = document.createElement("a");
      link.href = url;
      link.download = "hearth-memory.json";
      link.click();
      // The download has started from the link; the file's URL is let go once it has.
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  });
}

import { isHearthError } from "@hearth/sdk";
import { QueryClient } from "@tanstack/react-query";

/** Server state lives here only (STYLE.md): SSE events patch these queries; nothing copies them elsewhere. */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // The SDK already retries safe requests after network errors; a problem answer is final.
      retry: (failures, error) => !isHearthError(error) && failures < 1,
    },
  },
});

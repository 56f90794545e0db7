import { isHearthError, unwrap } from "@hearth/sdk";
import { type QueryClient, queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "../../lib/client.ts";
import { queryKeys } from "../../lib/query-keys.ts";

const sessionKeys = { setup: ["setup"] as const, me: queryKeys.me };

const setupQuery = queryOptions({
  queryKey: sessionKeys.setup,
  queryFn: async () => unwrap(await client.api.GET("/api/setup")),
  staleTime: Number.POSITIVE_INFINITY,
});

/** The signed-in user, or null when nobody is signed in (the SDK keeps the session's CSRF token). */
const meQuery = queryOptions({
  queryKey: sessionKeys.me,
  queryFn: async () => {
    try {
      return unwrap(await client.api.GET("/api/auth/me")).user;
    } catch (error) {
      if (isHearthError(error, "unauthenticated")) return null;
      throw error;
    }
  },
  staleTime: Number.POSITIVE_INFINITY,
});

/** Whether first-run setup is done. */
export function useSetupState() {
  return useQuery(setupQuery);
}

/**
 * Asks who is signed in before the app's first render, which would otherwise wait for the app's
 * scripts to be evaluated (the Markdown renderer among them) to ask.
 */
export function prefetchSession(queries: QueryClient): void {
  void queries.prefetchQuery(setupQuery);
  void queries.prefetchQuery(meQuery);
}

export function useMe() {
  return useQuery(meQuery);
}

export function useLogin() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (input: { email: string; password: string }) =>
      unwrap(await client.api.POST("/api/auth/login", { body: input })).user,
    onSuccess: (user) => queries.setQueryData(sessionKeys.me, user),
  });
}

export function useSetup() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (input: { username: string; email: string; password: string }) => {
      unwrap(await client.api.POST("/api/setup", { body: input }));
      return unwrap(
        await client.api.POST("/api/auth/login", { body: { email: input.email, password: input.password } }),
      ).user;
    },
    onSuccess: (user) => {
      queries.setQueryData(sessionKeys.setup, { isSetup: true });
      queries.setQueryData(sessionKeys.me, user);
    },
  });
}

/**
 * Signs out: the server ends the session, then the page reloads, so nothing of this user's stays in
 * memory (cached answers, streams, drafts in components) for whoever signs in next.
 */
export function useLogout() {
  return useMutation({
    mutationFn: async () => {
      await client.api.POST("/api/auth/logout");
      client.session.clear();
    },
    onSettled: () => window.location.assign("/"),
  });
}

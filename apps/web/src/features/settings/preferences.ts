import { type components, unwrap } from "@hearth/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { client } from "../../lib/client.ts";
import { setLanguage } from "../../lib/i18n.ts";
import { queryKeys } from "../../lib/query-keys.ts";
import { setTheme } from "../../lib/theme.ts";

type User = components["schemas"]["User"];
type UpdateMeInput = components["schemas"]["UpdateMeInput"];

/** Saves the user's own settings on the server; the signed-in user everyone reads follows. */
export function useUpdateMe() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (change: UpdateMeInput) => unwrap(await client.api.PATCH("/api/auth/me", { body: change })).user,
    onSuccess: (user) => queries.setQueryData(queryKeys.me, user),
  });
}

/**
 * Applies the signed-in user's stored theme and language once per sign-in, so they follow the user
 * to every device. Later changes are applied where they are made (settings, the header's theme
 * select), so a slow answer to an earlier change never undoes a newer one.
 */
export function useApplyPreferences(user: User): void {
  const appliedFor = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (appliedFor.current === user.id) return;
    appliedFor.current = user.id;
    setTheme(user.theme);
    void setLanguage(user.language);
  }, [user]);
}

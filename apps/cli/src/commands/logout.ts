import { createHearthClient, type HearthClient } from "@hearth/sdk";
import type { Command } from "commander";
import { deleteLogin, readLogin, type StoredLogin } from "../config-store.ts";
import { globalsOf } from "../context.ts";
import { describeError } from "../errors.ts";
import { Output } from "../output.ts";

/** `hearth logout`: revokes the key `hearth login` created (when the server can be told) and deletes the stored login. */
export function registerLogout(program: Command): void {
  program
    .command("logout")
    .description("revoke the stored API key on the server, where hearth login created it, and delete the stored login")
    .action(async (_options: unknown, command: Command) => {
      const output = Output.fromOptions(globalsOf(command));
      const login = readLogin();
      if (login === undefined) {
        output.result({ server: null, revoked: false, deleted: false }, () => output.info("Not signed in."));
        return;
      }
      const revocation = await revokeStoredKey(login);
      deleteLogin();
      output.result({ server: login.server, revoked: revocation.isRevoked, deleted: true }, () => {
        output.info(`Signed out of ${login.server}. ${revocation.note}`);
      });
    });
}

/** A key pasted with --api-key-stdin may serve other tools too, so only a key login created is revoked. */
async function revokeStoredKey(login: StoredLogin): Promise<{ isRevoked: boolean; note: string }> {
  if (login.apiKeyId === undefined) {
    return { isRevoked: false, note: "The API key was given to hearth login, so it stays valid on the server." };
  }
  const hearth: HearthClient = createHearthClient({ baseUrl: login.server, apiKey: login.apiKey });
  try {
    const { error, response } = await hearth.api.DELETE("/api/api-keys/{id}", {
      params: { path: { id: login.apiKeyId } },
    });
    // Already revoked, or its user gone: nothing is left to revoke.
    if (response.ok || error?.code === "unauthenticated" || error?.code === "api-key-not-found") {
      return {
        isRevoked: response.ok,
        note: response.ok ? "The API key was revoked." : "The API key was no longer valid.",
      };
    }
    return { isRevoked: false, note: `The API key could not be revoked (${error?.detail ?? response.status}).` };
  } catch (error) {
    const reason = describeError(error, { serverUrl: login.server });
    return { isRevoked: false, note: `The API key could not be revoked: ${reason}. Revoke it in the web app.` };
  }
}

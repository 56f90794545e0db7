import { createHearthClient, type HearthClient, unwrap } from "@hearth/sdk";
import { ADMIN } from "@hearth/server/testing";

/** Sets up a fresh server's first admin and answers a client signed in by a new API key, and the key. */
export async function adminApiKey(url: string): Promise<{ hearth: HearthClient; key: string }> {
  const admin = createHearthClient({ baseUrl: url });
  unwrap(await admin.api.POST("/api/setup", { body: ADMIN }));
  unwrap(await admin.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
  const { key } = unwrap(await admin.api.POST("/api/api-keys", { body: { name: "cli" } }));
  return { hearth: createHearthClient({ baseUrl: url, apiKey: key }), key };
}

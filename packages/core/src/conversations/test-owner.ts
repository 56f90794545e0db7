import type { Database } from "@hearth/db";
import { migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { createUser } from "../accounts/users.ts";
import { migrations } from "../migrations.ts";
import { unwrap } from "../problems.ts";

/** A migrated test database with one user to own conversations, for service-level tests. */
export async function databaseWithOwner(): Promise<{ db: Database; ownerId: string }> {
  const db = await createTestDatabase();
  await migrate(db, migrations);
  const owner = unwrap(
    await createUser(
      db,
      { username: "ada", email: "ada@example.com", password: "correct horse battery", role: "admin" },
      new Date(),
    ),
  );
  return { db, ownerId: owner.id };
}

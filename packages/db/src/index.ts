export type { Database, Queryable, QueryResult } from "./database.ts";
export { isUniqueViolation, UNIQUE_VIOLATION } from "./database.ts";
export type { DataDirLock, LockHolder } from "./lock-data-dir.ts";
export { DataDirLockedError, lockDataDir } from "./lock-data-dir.ts";
export type { Migration } from "./migrate.ts";
export { MigrationError, migrate } from "./migrate.ts";
export type { DatabaseTarget } from "./open-database.ts";
export { openDatabase } from "./open-database.ts";

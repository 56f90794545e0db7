/** The `hearth` server process: reads the configuration, starts, and stops cleanly on a signal. */
import { DataDirLockedError } from "@hearth/db";
import { loadConfig, redactConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startHearth } from "./server.ts";

const loaded = loadConfig({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
if (loaded.ok === "help") {
  process.stdout.write(`${loaded.text}\n`);
  process.exit(0);
}
if (!loaded.ok) {
  process.stderr.write(
    `Hearth cannot start: the configuration is invalid.\n${loaded.errors.map((line) => `  - ${line}\n`).join("")}`,
  );
  process.exit(2);
}
const { config } = loaded;
const logger = createLogger(config.log.level);
logger.info({ config: redactConfig(config) }, "starting");

let hearth: Awaited<ReturnType<typeof startHearth>>;
try {
  hearth = await startHearth({ config, logger });
} catch (error) {
  const reason =
    error instanceof DataDirLockedError
      ? error.message
      : (error as NodeJS.ErrnoException).code === "EADDRINUSE"
        ? `Port ${config.server.port} on ${config.server.host} is already in use. Stop what uses it, or set PORT.`
        : (error as Error).message;
  logger.fatal({ err: error }, "start failed");
  process.stderr.write(`Hearth cannot start: ${reason}\n`);
  process.exit(1);
}

// The first signal drains (server.drainSeconds at most), a second stops at once; either way replies
// still being written are stored as interrupted, with their text, before the process exits. Set
// before the database is ready: a container stopped while it migrates stops too.
let signals = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    signals++;
    logger.info({ signal }, signals === 1 ? "stopping: draining first" : "stopping now");
    (signals === 1 ? hearth.drain() : hearth.close()).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  });
}

try {
  await hearth.ready;
} catch (error) {
  logger.fatal({ err: error }, "database start failed");
  process.stderr.write(`Hearth cannot start: ${(error as Error).message}\n`);
  await hearth.close().catch(() => {});
  process.exit(1);
}
logger.info({ url: hearth.url }, "ready");
// Listening on every interface, the printed address is not one to open: this machine's loopback is.
const { hostname, port } = new URL(hearth.url);
const openable = ["0.0.0.0", "[::]"].includes(hostname)
  ? `http://127.0.0.1:${port} (listening on all interfaces)`
  : hearth.url;
process.stderr.write(`\nHearth is running. Open ${openable}\n\n`);

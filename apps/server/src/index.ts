export type { Config, LoadedConfig } from "./config.ts";
export { loadConfig, redactConfig } from "./config.ts";
export { createLogger } from "./logger.ts";
export type { RunningHearth, StartOptions } from "./server.ts";
export { startHearth } from "./server.ts";

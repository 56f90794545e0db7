import pino from "pino";
import type { Config } from "./config.ts";

/**
 * JSON logs on stdout. Fields that can hold a secret are censored wherever they appear, so a
 * careless `logger.info({ body })` still cannot leak a password or a key.
 */
export function createLogger(level: Config["log"]["level"], destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level,
      base: { service: "hearth" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          "password",
          "*.password",
          "key",
          "*.key",
          "token",
          "*.token",
          "csrfToken",
          "apiKey",
          "*.apiKey",
          "secretKey",
          "*.secretKey",
          "databaseUrl",
          "*.databaseUrl",
          "redisUrl",
          "*.redisUrl",
          "headers.authorization",
          "headers.cookie",
          "*.headers.authorization",
          "*.headers.cookie",
          // Database errors carry the statement's parameters: user content that has no place in logs.
          "err.params",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}

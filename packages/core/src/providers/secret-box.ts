/**
 * @module Encryption of secrets stored in the database (providers' API keys): AES-256-GCM with a
 * random 12-byte IV per value and the auth tag kept with it, under a key that is not in the database:
 * `secretKey` (HEARTH_SECRET_KEY) or `<dataDir>/secret.key`, created with mode 0600 on first need.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { link, mkdir, open, readFile, stat, unlink } from "node:fs/promises";
import { join } from "node:path";

export interface SecretBox {
  /**
   * Encrypts a secret. `context` (what the secret belongs to, such as a provider id) is bound to it,
   * so a sealed value copied to another row does not open there.
   */
  seal(plaintext: string, context: string): Promise<string>;
  /** Throws SealedValueError when the value was altered or sealed under another key or context. */
  open(sealed: string, context: string): Promise<string>;
}

/** The key cannot be had: a key file others can read, or one that holds no key. The message says what to do. */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretKeyError";
  }
}

/** A sealed value that does not open: altered, or sealed under another key. */
export class SealedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SealedValueError";
  }
}

// The version names the algorithm and layout, so a later change can still open older values.
const VERSION = "v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_FILE_NAME = "secret.key";

/** A 32-byte key written as 64 hex digits or as base64, or undefined when the text is neither. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, "hex");
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, "base64");
  return key.length === KEY_BYTES ? key : undefined;
}

export const SECRET_KEY_FORMAT = "must be 32 bytes written as 64 hex digits or as base64 (openssl rand -hex 32)";

/**
 * A box whose key comes from `secretKey` when given (every node of a cluster must share it), else
 * from the data dir's key file, which is read or created only when a secret is first sealed or opened.
 */
export function createSecretBox(options: { secretKey?: string; dataDir: string }): SecretBox {
  let key: Promise<Buffer> | undefined;
  const getKey = () => {
    key ??= loadKey(options).catch((error: unknown) => {
      // A key file fixed by the admin (chmod 600) is picked up on the next try, without a restart.
      key = undefined;
      throw error;
    });
    return key;
  };
  return {
    async seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", await getKey(), iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return VERSION + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64");
    },
    async open(sealed, context) {
      if (!sealed.startsWith(VERSION))
        throw new SealedValueError("The value was not sealed by this version of Hearth.");
      const bytes = Buffer.from(sealed.slice(VERSION.length), "base64");
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new SealedValueError("The sealed value is truncated.");
      const decipher = createDecipheriv("aes-256-gcm", await getKey(), bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
          "utf8",
        );
      } catch {
        throw new SealedValueError(
          "The sealed value does not open: it was altered, or sealed under another secret key " +
            "(every node must use the same HEARTH_SECRET_KEY; the key file must not be replaced).",
        );
      }
    },
  };
}

async function loadKey(options: { secretKey?: string; dataDir: string }): Promise<Buffer> {
  if (options.secretKey !== undefined) {
    const key = parseSecretKey(options.secretKey);
    if (key === undefined) throw new SecretKeyError(`secretKey (HEARTH_SECRET_KEY) ${SECRET_KEY_FORMAT}.`);
    return key;
  }
  const file = join(options.dataDir, KEY_FILE_NAME);
  try {
    return await readKeyFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await createKeyFile(file);
  return readKeyFile(file);
}

async function readKeyFile(file: string): Promise<Buffer> {
  const { mode } = await stat(file);
  // Windows has no such mode bits; there the data dir's ACL protects the file.
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    const shown = (mode & 0o777).toString(8).padStart(4, "0");
    throw new SecretKeyError(
      `The secret key file ${file} can be read by other users (mode ${shown}). Run: chmod 600 ${file}`,
    );
  }
  const key = parseSecretKey(await readFile(file, "utf8"));
  if (key === undefined) {
    throw new SecretKeyError(
      `The secret key file ${file} holds no valid key: it ${SECRET_KEY_FORMAT}. Restore it from a backup: ` +
        "secrets sealed with the old key cannot be opened without it.",
    );
  }
  return key;
}

/**
 * Writes a new key to a temporary file, then links it into place: the key file appears whole or not
 * at all, and of two processes creating it at once, the second reads the first's.
 */
async function createKeyFile(file: string): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(`${randomBytes(KEY_BYTES).toString("hex")}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(temporary);
  }
}

import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSecretBox, parseSecretKey, SealedValueError, SecretKeyError } from "./secret-box.ts";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "hearth-secret-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const HEX_KEY = "0123456789abcdef".repeat(4);

describe("createSecretBox", () => {
  it("opens what it sealed, and seals the same secret differently each time", async () => {
    const box = createSecretBox({ dataDir });
    const first = await box.seal("sk-live-secret", "openai");
    const second = await box.seal("sk-live-secret", "openai");
    expect(first).toMatch(/^v1:/);
    expect(first).not.toContain("sk-live-secret");
    expect(first).not.toBe(second);
    expect(await box.open(first, "openai")).toBe("sk-live-secret");
    expect(await box.open(second, "openai")).toBe("sk-live-secret");
  });

  it("refuses a sealed value that was altered, moved to another provider, or sealed under another key", async () => {
    const box = createSecretBox({ dataDir });
    const sealed = await box.seal("sk-live-secret", "openai");
    const bytes = Buffer.from(sealed.slice(3), "base64");
    bytes[bytes.length - 1] = (bytes.at(-1) as number) ^ 1;
    await expect(box.open(`v1:${bytes.toString("base64")}`, "openai")).rejects.toThrow(SealedValueError);
    await expect(box.open(sealed, "ollama")).rejects.toThrow(/altered, or sealed under another secret key/);
    const other = createSecretBox({ dataDir, secretKey: HEX_KEY });
    await expect(other.open(sealed, "openai")).rejects.toThrow(SealedValueError);
    await expect(box.open("plain text", "openai")).rejects.toThrow(/not sealed by this version/);
  });

  it("creates the key file with mode 0600 on first need, not before, and keeps using it", async () => {
    const file = join(dataDir, "secret.key");
    const box = createSecretBox({ dataDir });
    await expect(stat(file)).rejects.toMatchObject({ code: "ENOENT" });
    const sealed = await box.seal("sk-live-secret", "openai");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, "utf8")).trim()).toMatch(/^[0-9a-f]{64}$/);
    // Another process (a restart) reads the same file.
    expect(await createSecretBox({ dataDir }).open(sealed, "openai")).toBe("sk-live-secret");
  });

  it("refuses a key file that other users can read, saying to chmod 600, and uses it once fixed", async () => {
    const file = join(dataDir, "secret.key");
    await writeFile(file, `${HEX_KEY}\n`, { mode: 0o644 });
    await chmod(file, 0o644);
    const box = createSecretBox({ dataDir });
    const refused = box.seal("sk-live-secret", "openai");
    await expect(refused).rejects.toThrow(SecretKeyError);
    await expect(refused).rejects.toThrow(`chmod 600 ${file}`);
    await chmod(file, 0o600);
    const sealed = await box.seal("sk-live-secret", "openai");
    expect(await createSecretBox({ dataDir, secretKey: HEX_KEY }).open(sealed, "openai")).toBe("sk-live-secret");
  });

  it("refuses a key file that holds no key, rather than replacing it", async () => {
    const file = join(dataDir, "secret.key");
    await writeFile(file, "not a key\n", { mode: 0o600 });
    await expect(createSecretBox({ dataDir }).seal("x", "openai")).rejects.toThrow(/holds no valid key/);
    expect(await readFile(file, "utf8")).toBe("not a key\n");
  });

  it("uses the configured key instead of a key file, in hex or base64", async () => {
    const base64 = Buffer.from(HEX_KEY, "hex").toString("base64");
    const sealed = await createSecretBox({ dataDir, secretKey: HEX_KEY }).seal("sk-live-secret", "openai");
    expect(await createSecretBox({ dataDir, secretKey: base64 }).open(sealed, "openai")).toBe("sk-live-secret");
    await expect(stat(join(dataDir, "secret.key"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses a configured key that is not 32 bytes, naming the setting", async () => {
    const box = createSecretBox({ dataDir, secretKey: "too-short" });
    await expect(box.seal("x", "openai")).rejects.toThrow(/HEARTH_SECRET_KEY.*64 hex digits or as base64/);
  });
});

describe("parseSecretKey", () => {
  it("accepts 64 hex digits or 32 bytes of base64 and nothing else", () => {
    expect(parseSecretKey(HEX_KEY)?.length).toBe(32);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString("base64"))?.length).toBe(32);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString("base64url"))?.length).toBe(32);
    expect(parseSecretKey(HEX_KEY.slice(2))).toBeUndefined();
    expect(parseSecretKey(Buffer.alloc(16).toString("base64"))).toBeUndefined();
    expect(parseSecretKey("correct horse battery staple correct horse b")).toBeUndefined();
  });
});

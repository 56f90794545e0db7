import { describe, expect, it } from "vitest";
import { checkProviderUrl, describeUrlProblem, type LookupAll } from "./provider-url.ts";

describe("checkProviderUrl", () => {
  it.each([
    ["http://169.254.169.254/latest/meta-data", /cloud metadata service/],
    ["http://[fd00:ec2::254]/", /cloud metadata service/],
    ["http://100.100.100.200/", /cloud metadata service/],
    ["http://metadata.google.internal/computeMetadata/v1", /cloud metadata service/],
    ["http://METADATA.google.internal./", /cloud metadata service/],
    ["http://metadata.azure.com/", /cloud metadata service/],
    // Other spellings of 169.254.169.254 that URL parsing turns into it.
    ["http://2852039166/", /cloud metadata service/],
    ["http://[::ffff:169.254.169.254]/", /cloud metadata service/],
    ["http://169.254.1.1:11434/", /link-local/],
    ["http://[fe80::1]:11434/", /link-local/],
    ["http://0.0.0.0:11434/", /unspecified/],
    ["http://[::]:11434/", /unspecified/],
    ["http://user:pass@127.0.0.1:11434/v1", /must not hold a user name or password/],
    ["ftp://127.0.0.1/", /http:\/\/ or https:\/\//],
    ["file:///etc/passwd", /http:\/\/ or https:\/\//],
    ["http://127.0.0.1:11434/v1?key=sk-123", /must not hold a query/],
    ["not a url", /must be an absolute URL/],
  ])("refuses %s", async (url, reason) => {
    const check = await checkProviderUrl(url);
    expect(check).toMatchObject({ ok: false, isTransient: false });
    expect(check.ok === false && check.reason).toMatch(reason);
    expect(describeUrlProblem(url)).toMatch(reason);
  });

  it.each([
    "http://127.0.0.1:11434",
    "http://localhost:11434/v1",
    "http://[::1]:8080/v1",
    "http://10.1.2.3:8000/v1",
    "http://192.168.1.20:1234/v1",
    "https://172.16.0.5/v1",
  ])("allows %s (loopback and private addresses)", async (url) => {
    expect(await checkProviderUrl(url)).toEqual({ ok: true });
  });

  it("refuses a host name when any of its addresses is refused, naming the address", async () => {
    // Stands in for the system resolver, which these tests cannot point at a name of their choosing.
    const lookup: LookupAll = async () => [
      { address: "10.0.0.8", family: 4 },
      { address: "169.254.169.254", family: 4 },
    ];
    const check = await checkProviderUrl("http://ollama.internal.example:11434", lookup);
    expect(check).toEqual({
      ok: false,
      reason:
        "The base URL must not point at a cloud metadata service: ollama.internal.example resolves to 169.254.169.254.",
      isTransient: false,
    });
  });

  it("reports a host that does not resolve as worth trying again", async () => {
    const lookup: LookupAll = () =>
      Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }));
    expect(await checkProviderUrl("http://ollama:11434", lookup)).toEqual({
      ok: false,
      reason: "The host ollama could not be resolved (no such host).",
      isTransient: true,
    });
  });
});

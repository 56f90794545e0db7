import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../middleware/security-headers.ts";
import { startTestServer, type TestServer } from "../testing/index.ts";

/** Sends raw bytes and reads the whole answer: what Node's parser says happens before any fetch could. */
function exchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
    });
    socket.on("close", () => resolve(answer));
    socket.on("error", reject);
  });
}

function parse(answer: string) {
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers = new Map(
    lines.map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
  );
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

describe("requests Node's HTTP parser rejects (issue #6)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const expectSecured = (answer: ReturnType<typeof parse>) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      expect(answer.headers.get(name.toLowerCase())).toBe(value);
    expect(answer.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answer.headers.get("x-frame-options")).toBe("DENY");
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
  };

  it("answers an unknown method with a 400 problem carrying the security headers", async () => {
    const answer = parse(await exchange(server.url, "FOO / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    expect(answer.status).toBe(400);
    expectSecured(answer);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 400, code: "malformed-request" });
  });

  it("answers a URL over Node's header limit with a 431 problem carrying the security headers", async () => {
    const path = `/${"a".repeat(20_000)}`;
    const answer = parse(await exchange(server.url, `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`));
    expect(answer.status).toBe(431);
    expectSecured(answer);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 431, code: "headers-too-large" });
  });

  it("still serves the next connection", async () => {
    expect((await server.client().get("/healthz")).status).toBe(200);
  });
});

import type { Duplex } from "node:stream";
import type { Problem } from "@hearth/core";
import { SECURITY_HEADERS } from "./middleware/security-headers.ts";
import { renderProblem } from "./problems/to-http.ts";

/**
 * Answers a request that Node's HTTP parser rejected before Hono saw it (an unknown method, a URL or
 * headers over Node's limit), for the server's `clientError` event. Node's own answer is a bare
 * status line; this one is a problem with the same security headers as every other response.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // Mid-response, or gone: nothing sensible can be written any more (what Node itself checks too).
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const { status, title, body } = renderProblem(problemFor(error));
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    "Content-Type": "application/problem+json",
    "Content-Length": String(Buffer.byteLength(body)),
    Connection: "close",
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${status} ${title}\r\n${head.join("")}\r\n${body}`);
}

function problemFor(error: NodeJS.ErrnoException): Problem {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return { code: "headers-too-large", detail: "The request line and headers are larger than this server accepts." };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { code: "request-timeout", detail: "The request did not arrive in time." };
    default:
      return { code: "malformed-request", detail: "The request is not valid HTTP/1.1 (its method, line or headers)." };
  }
}

import { describe, expect, it } from "vitest";
import { createProxyTrust, isAddressOrBlock } from "./proxy-trust.ts";

describe("createProxyTrust", () => {
  it("ignores X-Forwarded-For when no proxy is trusted", () => {
    const trust = createProxyTrust(false);
    expect(trust("203.0.113.9", "1.2.3.4")).toEqual({ ip: "203.0.113.9", isPeerTrusted: false });
  });

  it("takes the entry the one trusted proxy appended, not the leftmost one a client can forge", () => {
    const trust = createProxyTrust(true);
    expect(trust("127.0.0.1", "6.6.6.6, 1.2.3.4").ip).toBe("1.2.3.4");
    expect(trust("127.0.0.1", "1.2.3.4")).toEqual({ ip: "1.2.3.4", isPeerTrusted: true });
  });

  it("skips as many hops as configured", () => {
    const trust = createProxyTrust(2);
    expect(trust("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.1").ip).toBe("1.2.3.4");
  });

  it("takes the leftmost entry when there are fewer entries than hops", () => {
    expect(createProxyTrust(3)("10.0.0.2", "1.2.3.4, 10.0.0.1").ip).toBe("1.2.3.4");
  });

  it("uses the socket address when a trusted proxy sent no X-Forwarded-For", () => {
    expect(createProxyTrust(true)("10.0.0.2", undefined)).toEqual({ ip: "10.0.0.2", isPeerTrusted: true });
  });

  it("reads several X-Forwarded-For headers, joined in order, as one list", () => {
    expect(createProxyTrust(2)("10.0.0.2", "6.6.6.6, 1.2.3.4,10.0.0.1").ip).toBe("1.2.3.4");
  });

  it("walks over the listed proxy addresses and blocks to the first address that is not one", () => {
    const trust = createProxyTrust(["10.0.0.0/8", "fd00::/8", "192.0.2.1"]);
    expect(trust("10.0.0.2", "6.6.6.6, 1.2.3.4, 192.0.2.1, 10.1.1.1").ip).toBe("1.2.3.4");
    expect(trust("fd00::2", "6.6.6.6, 2001:db8::7").ip).toBe("2001:db8::7");
  });

  it("ignores X-Forwarded-For from a peer that is not a listed proxy", () => {
    const trust = createProxyTrust(["10.0.0.0/8"]);
    expect(trust("203.0.113.9", "1.2.3.4")).toEqual({ ip: "203.0.113.9", isPeerTrusted: false });
  });

  it("stops at a garbage entry and names the client the last proxy saw", () => {
    const trust = createProxyTrust(["10.0.0.0/8"]);
    expect(trust("10.0.0.2", "1.2.3.4, <script>, 10.0.0.1").ip).toBe("10.0.0.1");
    expect(createProxyTrust(true)("10.0.0.2", "not-an-address").ip).toBe("10.0.0.2");
    expect(createProxyTrust(true)("10.0.0.2", "").ip).toBe("10.0.0.2");
  });

  it("writes one address one way: ports dropped, IPv6 canonical, IPv4-mapped IPv6 as IPv4", () => {
    const trust = createProxyTrust(true);
    expect(trust("::ffff:127.0.0.1", "1.2.3.4:5678").ip).toBe("1.2.3.4");
    expect(trust("127.0.0.1", "[2001:DB8:0::1]:443").ip).toBe("2001:db8::1");
    expect(trust("127.0.0.1", "::FFFF:1.2.3.4").ip).toBe("1.2.3.4");
    expect(createProxyTrust(["127.0.0.1"])("::ffff:127.0.0.1", "1.2.3.4").ip).toBe("1.2.3.4");
    expect(createProxyTrust(false)("::ffff:203.0.113.9", undefined).ip).toBe("203.0.113.9");
  });

  it("has no client address without a socket", () => {
    expect(createProxyTrust(true)(undefined, "1.2.3.4")).toEqual({ ip: undefined, isPeerTrusted: false });
  });
});

describe("isAddressOrBlock", () => {
  it("accepts addresses and CIDR blocks of both families and refuses anything else", () => {
    for (const good of ["10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "2001:db8::/128"]) {
      expect(isAddressOrBlock(good)).toBe(true);
    }
    for (const bad of ["10.0.0.0/33", "::/129", "proxy.internal", "10.0.0.0/8/1", "10.0.0.0/", ""]) {
      expect(isAddressOrBlock(bad)).toBe(false);
    }
  });
});

import { describe, expect, it } from "vitest";
import { addressGroup } from "./address-group.ts";

describe("addressGroup", () => {
  it("keeps an IPv4 address as it is", () => {
    expect(addressGroup("203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts IPv6 addresses by their /64, however they are written (issue 8 item 5)", () => {
    const group = "2001:db8:1:2::/64";
    expect(addressGroup("2001:db8:1:2::1")).toBe(group);
    expect(addressGroup("2001:0db8:0001:0002:ffff:ffff:ffff:fffe")).toBe(group);
    expect(addressGroup("2001:db8:1:2:0:0:0:abcd")).toBe(group);
    expect(addressGroup("2001:db8:1:3::1")).not.toBe(group);
  });

  it("handles compressed leading groups, zones and embedded IPv4", () => {
    expect(addressGroup("::1")).toBe("0:0:0:0::/64");
    expect(addressGroup("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressGroup("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64");
    expect(addressGroup("::ffff:192.0.2.33")).toBe("192.0.2.33");
  });

  it("leaves what is not an address alone", () => {
    expect(addressGroup("unknown")).toBe("unknown");
  });
});

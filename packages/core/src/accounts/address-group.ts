import { isIPv6 } from "node:net";

/**
 * The unit per-address limits count by: an IPv4 address as it is, an IPv6 address by its /64
 * network. One IPv6 host usually holds a whole /64 (2^64 addresses), so counting single IPv6
 * addresses would give a guesser unlimited fresh ones.
 */
export function addressGroup(address: string): string {
  if (!isIPv6(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  return `${expandIPv6(address).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in lowercase hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const withoutZone = address.split("%")[0] as string;
  const [head = "", tail] = withoutZone.split("::");
  const toGroups = (part: string) => (part === "" ? [] : part.split(":"));
  const headGroups = toGroups(head);
  const tailGroups = tail === undefined ? [] : toGroups(tail);
  // A trailing dotted IPv4 part stands for two groups.
  const last = tailGroups.length > 0 ? tailGroups : headGroups;
  const dotted = last.at(-1);
  if (dotted?.includes(".")) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split(".").map(Number);
    last.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...tailGroups];
  return groups.map((group) => Number.parseInt(group, 16).toString(16));
}

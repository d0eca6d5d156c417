/**
 * Pure helpers around calculated routes: the LPM key a route is stored under, the order routes are
 * listed in, and the flag names the CLI prints (lower case, as `calico-node -bpf routes dump` does).
 */
import { RouteFlags, type RouteKeyValue } from '../dataplane/abi.js';
import { formatIPv4, networkOf, parseCidr, type ParsedCidr } from '../model/ip.js';
import { quickCidr } from './ipv4.js';

function parseV4(cidr: string): ParsedCidr {
  const parsed = parseCidr(cidr, { allowBareIP: true });
  if (parsed?.family !== 4) throw new RangeError(`${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  return networkOf(parsed);
}

/**
 * The routes map key for a CIDR ('a.b.c.d/len', or a bare address for a /32). Host bits are cleared:
 * the trie ignores them on lookup, but two spellings of one prefix must not become two keys.
 */
export function routeEntryKey(cidr: string): RouteKeyValue {
  const { addr, prefixLen } = parseV4(cidr);
  return { prefixLen, addr: formatIPv4(Number(addr)) };
}

const compareParsed = (x: ParsedCidr, y: ParsedCidr): number => (x.addr < y.addr ? -1 : x.addr > y.addr ? 1 : x.prefixLen - y.prefixLen);

/** Address first, then prefix length: the order Calico's `routes dump` lists its trie in. */
export function compareRouteCidrs(a: string, b: string): number {
  return compareParsed(parseV4(a), parseV4(b));
}

/** Network address, then prefix length, as one number (2^38 at most): compareRouteCidrs's order. */
export function routeOrder(cidr: string): number {
  const quick = quickCidr(cidr);
  if (quick) {
    const size = 2 ** (32 - quick.prefixLen);
    return (quick.value - (quick.value % size)) * 64 + quick.prefixLen;
  }
  const { addr, prefixLen } = parseV4(cidr);
  return Number(addr) * 64 + prefixLen;
}

// Fixed print order, independent of bit values, so output stays stable if bits are renumbered.
const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [RouteFlags.InPool, 'in-pool'],
  [RouteFlags.NatOut, 'nat-out'],
  [RouteFlags.Ipip, 'ipip'],
  [RouteFlags.Vxlan, 'vxlan'],
  [RouteFlags.SameSubnet, 'same-subnet'],
];

/** Names of the set flags; bits this build does not know are shown in hex rather than hidden. */
export function formatRouteFlags(flags: number): string[] {
  const names = FLAG_NAMES.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
  const known = FLAG_NAMES.reduce((mask, [bit]) => mask | bit, 0);
  const unknown = (flags & ~known) >>> 0;
  if (unknown !== 0) names.push(`0x${unknown.toString(16)}`);
  return names;
}

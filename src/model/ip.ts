// IP address and CIDR helpers shared by the schemas. Addresses are held as bigint so IPv4 and IPv6 share
// one code path; parseIPv4 returns a plain number for callers that only deal with IPv4.
import { isIPv6 } from 'node:net';

export type IPFamily = 4 | 6;

export interface ParsedIP {
  family: IPFamily;
  value: bigint;
}

export interface ParsedCidr {
  family: IPFamily;
  /** The address as written (host bits may be set, e.g. a node's "192.168.1.12/24"). */
  addr: bigint;
  prefixLen: number;
}

export function addressBits(family: IPFamily): 32 | 128 {
  return family === 4 ? 32 : 128;
}

/**
 * Dotted quad to uint32; rejects leading zeros as Go's net.ParseIP does (they once meant octal). A loop
 * over the characters rather than split and regexes: a full etcd list checks ~100,000 of these.
 */
export function parseIPv4(text: string): number | undefined {
  return parseIPv4Head(text, text.length);
}

/** parseIPv4 of the first `n` characters of `text`. */
export function parseIPv4Head(text: string, n: number): number | undefined {
  if (n < 7 || n > 15 || n > text.length) return undefined;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return undefined; // a leading zero
      octet = octet * 10 + (c - 0x30);
      if (++digits > 3 || octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return value * 256 + octet;
}

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseIPv6(text: string): bigint | undefined {
  // Zone indexes (fe80::1%eth0) never appear in Calico resources.
  if (text.includes('%') || !isIPv6(text)) return undefined;
  let normalised = text;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    // Embedded IPv4 (::ffff:1.2.3.4): rewrite it as two hex groups.
    const v4 = parseIPv4(tail);
    if (v4 === undefined) return undefined;
    normalised = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = normalised.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n);
}

/** RFC 5952 text form: lower case, longest run of two or more zero groups compressed. */
export function formatIPv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseIP(text: string): ParsedIP | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

export function formatIP(ip: ParsedIP): string {
  return ip.family === 4 ? formatIPv4(Number(ip.value)) : formatIPv6(ip.value);
}

export function ipFamily(text: string): IPFamily | undefined {
  return parseIP(text)?.family;
}

/** "addr/len"; with allowBareIP a plain address counts as a full-length prefix (Calico's ParseCIDROrIP). */
export function parseCidr(text: string, options: { allowBareIP?: boolean } = {}): ParsedCidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) {
    if (!options.allowBareIP) return undefined;
    const ip = parseIP(text);
    return ip && { family: ip.family, addr: ip.value, prefixLen: addressBits(ip.family) };
  }
  const prefixLen = parsePrefixLength(text, slash + 1);
  if (prefixLen === undefined) return undefined;
  const ip = parseIP(text.slice(0, slash));
  if (!ip || prefixLen > addressBits(ip.family)) return undefined;
  return { family: ip.family, addr: ip.value, prefixLen };
}

/** The decimal after the slash: 0 or 1-3 digits without a leading zero (what /^(0|[1-9]\d{0,2})$/ accepts). */
function parsePrefixLength(text: string, from: number): number | undefined {
  const digits = text.length - from;
  if (digits < 1 || digits > 3 || (digits > 1 && text.charCodeAt(from) === 0x30)) return undefined;
  let value = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

function hostMask(cidr: Pick<ParsedCidr, 'family' | 'prefixLen'>): bigint {
  return (1n << BigInt(addressBits(cidr.family) - cidr.prefixLen)) - 1n;
}

/** The same prefix with the host bits cleared. */
export function networkOf(cidr: ParsedCidr): ParsedCidr {
  return { ...cidr, addr: cidr.addr & ~hostMask(cidr) };
}

export function hasHostBits(cidr: ParsedCidr): boolean {
  return (cidr.addr & hostMask(cidr)) !== 0n;
}

export function formatCidr(cidr: ParsedCidr): string {
  return `${formatIP({ family: cidr.family, value: cidr.addr })}/${cidr.prefixLen}`;
}

export function cidrContains(cidr: ParsedCidr, ip: ParsedIP): boolean {
  return cidr.family === ip.family && (ip.value & ~hostMask(cidr)) === (cidr.addr & ~hostMask(cidr));
}

/**
 * Checksum verifiers. They sum the received bytes, checksum field included, and expect 0xffff
 * (RFC 1071), using their own summing loop rather than the builders' csum16, so a builder bug
 * cannot confirm itself.
 */
import { parseFrame, parsePacket, type ParsedLayers } from './parse.js';

/** Folded one's-complement sum of big-endian 16-bit words in [start, end), odd tail padded. */
function foldedSum(b: Uint8Array, start: number, end: number, acc = 0): number {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) sum += view.getUint16(i, false);
  if (i < end) sum += b[i]! * 256;
  while (sum >>> 16) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** True when the IPv4 header at `offset` (length from its IHL) sums to 0xffff. */
export function ipv4HeaderChecksumOk(bytes: Uint8Array, offset = 0): boolean {
  if (offset + 20 > bytes.length || bytes[offset]! >> 4 !== 4) return false;
  const hdrLen = (bytes[offset]! & 0x0f) * 4;
  if (hdrLen < 20 || offset + hdrLen > bytes.length) return false;
  return foldedSum(bytes, offset, offset + hdrLen) === 0xffff;
}

export interface L4ChecksumOptions {
  /** accept UDP checksum 0 ("none", legal over IPv4); default true */
  allowZeroUdp?: boolean;
}

/**
 * Verifies the TCP/UDP (with pseudo-header) or ICMP checksum of an IPv4 packet that starts at
 * byte 0. The L4 length comes from the IPv4 total length; a packet shorter than that fails.
 */
export function l4ChecksumOk(packet: Uint8Array, opts: L4ChecksumOptions = {}): boolean {
  if (packet.length < 20 || packet[0]! >> 4 !== 4) return false;
  const hdrLen = (packet[0]! & 0x0f) * 4;
  const totalLength = packet[2]! * 256 + packet[3]!;
  const proto = packet[9]!;
  if (hdrLen < 20 || totalLength < hdrLen || totalLength > packet.length) return false;
  const l4Len = totalLength - hdrLen;
  switch (proto) {
    case 1:
      return l4Len >= 8 && foldedSum(packet, hdrLen, totalLength) === 0xffff;
    case 6:
    case 17: {
      if (l4Len < (proto === 6 ? 20 : 8)) return false;
      if (proto === 17 && packet[hdrLen + 6] === 0 && packet[hdrLen + 7] === 0) return opts.allowZeroUdp ?? true;
      // Pseudo-header: source, destination, zero, protocol, L4 length.
      const pseudo = foldedSum(packet, 12, 20) + proto + l4Len;
      return foldedSum(packet, hdrLen, totalLength, pseudo) === 0xffff;
    }
    default:
      throw new Error(`l4ChecksumOk: protocol ${proto} has no checksum rule here`);
  }
}

/**
 * Paths of every bad checksum in a frame, inner packets included (IPIP, VXLAN; not ICMP-quoted ones).
 * An empty list means all good: expect(badChecksums(out)).toEqual([]).
 */
export function badChecksums(bytes: Uint8Array, opts: L4ChecksumOptions & { packet?: boolean } = {}): string[] {
  const parsed = opts.packet ? parsePacket(bytes) : parseFrame(bytes);
  const bad: string[] = [];
  const walk = (layers: ParsedLayers, prefix: string): void => {
    const at = layers.offsets.ipv4;
    if (at !== undefined && layers.ipv4) {
      if (!ipv4HeaderChecksumOk(bytes, at)) bad.push(`${prefix}ipv4.checksum`);
      const l4 = layers.tcp ? 'tcp' : layers.udp ? 'udp' : layers.icmp ? 'icmp' : undefined;
      const end = Math.min(bytes.length, at + layers.ipv4.totalLength);
      if (l4 && layers.ipv4.fragOffset === 0 && !layers.ipv4.mf && !l4ChecksumOk(bytes.subarray(at, end), opts)) bad.push(`${prefix}${l4}.checksum`);
    }
    if (layers.inner) walk(layers.inner, `${prefix}inner.`);
  };
  walk(parsed, '');
  return bad;
}

/**
 * Compact frame builders for BPF_PROG_TEST_RUN tests: Ethernet, ARP, IPv4 (header checksum
 * computed), UDP, ICMP echo. Everything returns plain bytes so tests can compare outputs exactly.
 */
export const macBytes = (mac: string): number[] => mac.split(':').map((h) => parseInt(h, 16));
export const ipBytes = (ip: string): number[] => ip.split('.').map(Number);

export function csum16(bytes: Uint8Array | number[], start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += ((bytes[i]! << 8) | (bytes[i + 1] ?? 0)) >>> 0;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export const be16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
export const be32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

export function eth(dst: string, src: string, type: number, payload: number[]): Uint8Array {
  return Uint8Array.from([...macBytes(dst), ...macBytes(src), ...be16(type), ...payload]);
}

export interface Ipv4Fields {
  src: string;
  dst: string;
  proto: number;
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
}

export function ipv4(f: Ipv4Fields, payload: number[]): number[] {
  const total = 20 + payload.length;
  const hdr = [
    0x45, f.tos ?? 0, ...be16(total), ...be16(f.id ?? 0), f.df ? 0x40 : 0, 0, f.ttl ?? 64, f.proto, 0, 0,
    ...ipBytes(f.src), ...ipBytes(f.dst),
  ];
  const c = csum16(hdr);
  hdr[10] = c >> 8;
  hdr[11] = c & 0xff;
  return [...hdr, ...payload];
}

export function icmpEcho(type: 8 | 0, id: number, seq: number, data: number[]): number[] {
  const msg = [type, 0, 0, 0, ...be16(id), ...be16(seq), ...data];
  const c = csum16(msg);
  msg[2] = c >> 8;
  msg[3] = c & 0xff;
  return msg;
}

export function udp(src: string, dst: string, sport: number, dport: number, data: number[]): number[] {
  const len = 8 + data.length;
  const msg = [...be16(sport), ...be16(dport), ...be16(len), 0, 0, ...data];
  const pseudo = [...ipBytes(src), ...ipBytes(dst), 0, 17, ...be16(len), ...msg];
  const c = csum16(pseudo) || 0xffff;
  msg[6] = c >> 8;
  msg[7] = c & 0xff;
  return msg;
}

export function arp(op: 1 | 2, sha: string, spa: string, tha: string, tpa: string): number[] {
  return [0, 1, 8, 0, 6, 4, 0, op, ...macBytes(sha), ...ipBytes(spa), ...macBytes(tha), ...ipBytes(tpa)];
}

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;

export const hex = (b: Uint8Array | number[]): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

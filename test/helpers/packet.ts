/**
 * Test packet toolkit for BPF_PROG_TEST_RUN: build frames, parse them, verify checksums, and
 * explain differences field by field. Implementation lives in ./packet/.
 *
 *   const input = frame(eth({ dst, src }), ipv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 64 }), udp({ sport: 1, dport: 2, payload: 'x' }));
 *   expectFrame(run(input), frame(..., ipv4({ ..., ttl: 63 }), ...));
 */
export {
  bytesEqual, concat, csum16, fromHex, hex, ip4, ip4ToString, ip4ToU32, mac, macToString, onesComplementSum, u32ToIp4,
  type Ip4Input, type MacInput, type PayloadInput,
} from './packet/bytes.js';
export {
  arp, eth, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, frame, ipv4, IPPROTO_ICMP, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, packet, raw, truncate,
  type ArpOptions, type EthOptions, type Ipv4Options, type Layer, type LayerInput,
} from './packet/build.js';
export {
  ICMP_DEST_UNREACH, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_FRAG_NEEDED_CODE, ICMP_TIME_EXCEEDED,
  icmpEcho, icmpError, tcp, TCP_FLAGS, tcpFlagNames, tcpFlags, tcpOpt, udp,
  type IcmpEchoOptions, type IcmpErrorOptions, type TcpOptions, type UdpOptions,
} from './packet/l4.js';
export { ipip, vxlan, vxlanHeader, VXLAN_PORT, type VxlanHeaderOptions, type VxlanOptions } from './packet/encap.js';
export { parseFrame, parsePacket, setField, type FieldLocation, type ParsedFrame, type ParsedLayers, type ParseOptions } from './packet/parse.js';
export { badChecksums, ipv4HeaderChecksumOk, l4ChecksumOk, type L4ChecksumOptions } from './packet/verify.js';
export { expectFrame, hexDiff, type HexDiffOptions } from './packet/diff.js';
export { frameMatchers } from './packet/matchers.js';
export type { FieldValue } from './packet/layout.js';

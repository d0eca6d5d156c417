/**
 * The packet toolkit against known-good bytes: RFC 1071's worked example, a textbook IPv4 header,
 * and frames Linux built and tcpdump captured (see packet-captures.ts). Plus round trips,
 * truncation, deliberately broken packets and hexDiff's field naming.
 */
import { describe, expect, it } from 'vitest';
import {
  arp, badChecksums, concat, csum16, eth, expectFrame, frame, frameMatchers, fromHex, hex, hexDiff, icmpEcho, icmpError, ip4,
  ip4ToU32, ipip, ipv4, ipv4HeaderChecksumOk, l4ChecksumOk, mac, packet, parseFrame, parsePacket, setField, tcp, tcpFlags,
  tcpOpt, truncate, u32ToIp4, udp, vxlan,
} from '../helpers/packet.js';
import * as cap from './packet-captures.js';

expect.extend(frameMatchers);

const A = { mac: '02:00:00:00:00:0a', ip: '10.7.0.1' };
const B = { mac: '02:00:00:00:00:0b', ip: '10.7.0.2' };
const ipOf = (f: Uint8Array): Uint8Array => f.subarray(14);

describe('utilities', () => {
  it('parses and prints addresses', () => {
    expect(hex(mac('ee:ee:ee:ee:ee:ee'))).toBe('eeeeeeeeeeee');
    expect(Array.from(ip4('10.0.0.1'))).toEqual([10, 0, 0, 1]);
    expect(ip4ToU32('10.0.0.1')).toBe(0x0a000001);
    expect(ip4ToU32('255.255.255.255')).toBe(0xffffffff); // unsigned, not -1
    expect(u32ToIp4(0xc0a80001)).toBe('192.168.0.1');
    expect(() => mac('ee:ee:ee:ee:ee')).toThrow(/bad MAC/);
    expect(() => ip4('10.0.0.256')).toThrow(/bad IPv4/);
    expect(hex(fromHex('0a 0B:0c\n0d'))).toBe('0a0b0c0d');
  });

  it('csum16 matches the RFC 1071 worked example', () => {
    // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the checksum is 220d.
    expect(csum16(fromHex('0001f203f4f5f6f7'))).toBe(0x220d);
    // Odd length: the last byte is padded with a zero byte.
    expect(csum16(fromHex('0001f203f4f5f6'))).toBe(csum16(fromHex('0001f203f4f5f600')));
  });
});

describe('builders reproduce known-good bytes', () => {
  it('textbook IPv4 header (192.168.0.1 -> 192.168.0.199, checksum b861)', () => {
    const p = packet(ipv4({ src: '192.168.0.1', dst: '192.168.0.199', df: true, proto: 17 }), new Uint8Array(0x73 - 20));
    expect(hex(p.subarray(0, 20))).toBe('45000073000040004011b861c0a80001c0a800c7');
    expect(ipv4HeaderChecksumOk(p, 0)).toBe(true);
  });

  it('ICMP echo request and reply captured on lo', () => {
    const zero = '00:00:00:00:00:00';
    const request = frame(
      eth({ dst: zero, src: zero }),
      ipv4({ src: '127.0.0.1', dst: '127.0.0.1', id: 0x2cc1, df: true }),
      icmpEcho({ type: 8, id: 0x9d8d, seq: 1, payload: cap.LO_ECHO_DATA }),
    );
    const reply = frame(
      eth({ dst: zero, src: zero }),
      ipv4({ src: '127.0.0.1', dst: '127.0.0.1', id: 0x2cc2 }),
      icmpEcho({ type: 0, id: 0x9d8d, seq: 1, payload: cap.LO_ECHO_DATA }),
    );
    expect(request).toEqualFrame(cap.LO_ICMP_ECHO_REQUEST);
    expect(reply).toEqualFrame(cap.LO_ICMP_ECHO_REPLY);
  });

  it('UDP with the checksum Linux computed', () => {
    const f = frame(
      eth({ dst: B.mac, src: A.mac }),
      ipv4({ src: A.ip, dst: B.ip, id: 0x6a87, df: true }),
      udp({ sport: 39784, dport: 5555, payload: 'hello-tortie' }),
    );
    expect(f).toEqualFrame(cap.VETH_UDP);
  });

  it('ICMP port unreachable quoting that UDP datagram', () => {
    const f = frame(
      eth({ dst: A.mac, src: B.mac }),
      ipv4({ src: B.ip, dst: A.ip, tos: 0xc0, id: 0xf703 }),
      icmpError({ type: 3, code: 3, original: ipOf(cap.VETH_UDP) }),
    );
    expect(f).toEqualFrame(cap.VETH_ICMP_PORT_UNREACHABLE);
  });

  it('TCP SYN and SYN-ACK with options, and a data segment', () => {
    const synOptions = [tcpOpt.mss(1460), tcpOpt.nop(), tcpOpt.nop(), tcpOpt.sackOk(), tcpOpt.nop(), tcpOpt.wscale(10)];
    const syn = frame(
      eth({ dst: B.mac, src: A.mac }),
      ipv4({ src: A.ip, dst: B.ip, id: 0xc7da, df: true }),
      tcp({ sport: 58948, dport: 7000, seq: 0x6143e3ff, flags: 'SYN', window: 64240, options: synOptions }),
    );
    const synAck = frame(
      eth({ dst: A.mac, src: B.mac }),
      ipv4({ src: B.ip, dst: A.ip, id: 0, df: true }),
      tcp({ sport: 7000, dport: 58948, seq: 0x6a1c70d8, ack: 0x6143e400, flags: 'SYN|ACK', window: 64240, options: synOptions }),
    );
    const data = frame(
      eth({ dst: B.mac, src: A.mac }),
      ipv4({ src: A.ip, dst: B.ip, id: 0xc7dc, df: true }),
      tcp({ sport: 58948, dport: 7000, seq: 0x6143e400, ack: 0x6a1c70d9, flags: 'PSH|ACK', window: 63, payload: 'hello tortie' }),
    );
    expect(syn).toEqualFrame(cap.VETH_TCP_SYN);
    expect(synAck).toEqualFrame(cap.VETH_TCP_SYN_ACK);
    expect(data).toEqualFrame(cap.VETH_TCP_DATA);
  });

  it('1100-byte echo request and the frag-needed (MTU 1000) reply quoting its first 548 bytes', () => {
    const payload = concat(cap.VETH_BIG_ECHO_TIMESTAMP, new Uint8Array(1084).fill(0x5a));
    const request = frame(
      eth({ dst: B.mac, src: A.mac }),
      ipv4({ src: A.ip, dst: '10.6.0.5', df: true }),
      icmpEcho({ type: 8, id: 0x537c, seq: 1, payload }),
    );
    expect(request).toEqualFrame(cap.VETH_BIG_ECHO_REQUEST);
    const reply = frame(
      eth({ dst: A.mac, src: B.mac }),
      ipv4({ src: B.ip, dst: A.ip, tos: 0xc0, id: 0x487e }),
      icmpError({ type: 3, code: 4, mtu: 1000, original: truncate(ipOf(request), 548) }),
    );
    expect(reply).toEqualFrame(cap.VETH_FRAG_NEEDED);
  });

  it('IPIP: outer header as Linux wrote it around a kernel-built inner packet', () => {
    const inner = packet(
      ipv4({ src: '10.8.0.1', dst: '10.8.0.2', id: 0x270a, df: true }),
      icmpEcho({ type: 8, id: 0x527d, seq: 1, payload: fromHex('cf01046b0000000073770b0000000000') }),
    );
    expect(inner).toEqualFrame(cap.KERNEL_INNER_ECHO, { packet: true });
    const f = frame(eth({ dst: B.mac, src: A.mac }), ipip({ src: A.ip, dst: B.ip, id: 0x2837, df: true }, inner));
    expect(f).toEqualFrame(cap.VETH_IPIP);
  });

  it('VXLAN with a zero UDP checksum, and with a computed one', () => {
    const innerFrame = (ipId: number, echoId: number, data: string) =>
      frame(
        eth({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' }),
        ipv4({ src: '10.8.0.1', dst: '10.8.0.2', id: ipId, df: true }),
        icmpEcho({ type: 8, id: echoId, seq: 1, payload: fromHex(data) }),
      );
    const outer = { outerSrcMac: A.mac, outerDstMac: B.mac, outerSrc: A.ip, outerDst: B.ip, sport: 45536, vni: 4242 };
    const zero = frame(vxlan({ ...outer, id: 0x23a8, udpChecksum: 'zero' }, innerFrame(0xdbef, 0x53d3, 'ea01046b0000000068cd040000000000')));
    const summed = frame(vxlan({ ...outer, id: 0x7c36, udpChecksum: 'compute' }, innerFrame(0x270a, 0x527d, 'cf01046b0000000073770b0000000000')));
    expect(zero).toEqualFrame(cap.VETH_VXLAN_ZERO_CSUM);
    expect(summed).toEqualFrame(cap.VETH_VXLAN_UDP_CSUM);
  });
});

describe('checksum verifiers (independent of the builders)', () => {
  const captured = {
    udp: cap.VETH_UDP, tcpSyn: cap.VETH_TCP_SYN, tcpData: cap.VETH_TCP_DATA, icmpReply: cap.LO_ICMP_ECHO_REPLY,
    portUnreachable: cap.VETH_ICMP_PORT_UNREACHABLE, fragNeeded: cap.VETH_FRAG_NEEDED, vxlan: cap.VETH_VXLAN_UDP_CSUM,
  };

  it('accept every captured packet', () => {
    for (const [name, f] of Object.entries(captured)) {
      expect(ipv4HeaderChecksumOk(f, 14), name).toBe(true);
      expect(l4ChecksumOk(ipOf(f)), name).toBe(true);
      expect(badChecksums(f), name).toEqual([]);
    }
    expect(badChecksums(cap.VETH_IPIP)).toEqual([]);
    expect(badChecksums(cap.VETH_VXLAN_ZERO_CSUM)).toEqual([]);
  });

  it('reject any single corrupted byte of the IPv4 header or L4 segment, pseudo-header included', () => {
    for (const f of [cap.VETH_UDP, cap.VETH_TCP_DATA, cap.LO_ICMP_ECHO_REQUEST]) {
      for (let i = 14; i < f.length; i++) {
        const bad = f.slice();
        bad[i] = bad[i]! ^ 0x01;
        const inHeader = i < 34;
        if (inHeader) expect(ipv4HeaderChecksumOk(bad, 14), `byte ${i}`).toBe(false);
        // Source and destination addresses are in the TCP/UDP pseudo-header; ICMP ignores them.
        const coveredByL4 = !inHeader || (i >= 26 && f[23] !== 1);
        if (coveredByL4 && i !== 16 && i !== 17) expect(l4ChecksumOk(ipOf(bad)), `byte ${i}`).toBe(false);
      }
    }
  });

  it('UDP: a zero checksum means none; a computed zero goes out as 0xffff', () => {
    const noSum = frame(eth({ dst: B.mac, src: A.mac }), ipv4({ src: A.ip, dst: B.ip }), udp({ sport: 1, dport: 2, payload: 'x', checksum: 'zero' }));
    expect(parseFrame(noSum).udp?.checksum).toBe(0);
    expect(l4ChecksumOk(ipOf(noSum))).toBe(true);
    expect(l4ChecksumOk(ipOf(noSum), { allowZeroUdp: false })).toBe(false);
    // A payload word equal to the checksum of the zero payload makes the sum 0xffff, so the checksum 0.
    const layers = (word: number) => [eth({ dst: B.mac, src: A.mac }), ipv4({ src: A.ip, dst: B.ip }), udp({ sport: 1, dport: 2, payload: [word >> 8, word & 0xff] })];
    const probe = parseFrame(frame(layers(0))).udp!.checksum;
    const f = frame(layers(probe));
    expect(parseFrame(f).udp?.checksum).toBe(0xffff);
    expect(l4ChecksumOk(ipOf(f), { allowZeroUdp: false })).toBe(true);
  });

  it('a packet shorter than its total length fails', () => {
    expect(l4ChecksumOk(truncate(ipOf(cap.VETH_UDP), 30))).toBe(false);
  });
});

describe('parseFrame', () => {
  it('layers of a TCP frame, options included', () => {
    const p = parseFrame(cap.VETH_TCP_SYN);
    expect(p.eth).toEqual({ dst: B.mac, src: A.mac, type: 0x0800 });
    expect(p.ipv4).toMatchObject({ version: 4, ihl: 5, totalLength: 52, id: 0xc7da, df: true, mf: false, ttl: 64, proto: 6, src: A.ip, dst: B.ip });
    expect(p.tcp).toMatchObject({ sport: 58948, dport: 7000, seq: 0x6143e3ff, ack: 0, dataOffset: 8, flags: tcpFlags('syn'), flagNames: 'SYN', window: 64240 });
    expect(hex(p.tcp!.options)).toBe('020405b4010104020103030a');
    expect(p.payload.length).toBe(0);
    expect(p.problems).toEqual([]);
  });

  it('the ICMP frag-needed reply: MTU and the quoted (cut short) request', () => {
    const p = parseFrame(cap.VETH_FRAG_NEEDED);
    expect(p.icmp).toMatchObject({ type: 3, code: 4, mtu: 1000 });
    const original = p.icmp!.original!;
    expect(original.ipv4).toMatchObject({ src: A.ip, dst: '10.6.0.5', totalLength: 1128, df: true });
    expect(original.icmp).toMatchObject({ type: 8, id: 0x537c, seq: 1 });
    expect(p.problems).toEqual([]); // quoted packets are expected to be truncated
  });

  it('recurses into IPIP and VXLAN', () => {
    const ipipFrame = parseFrame(cap.VETH_IPIP);
    expect(ipipFrame.ipv4?.proto).toBe(4);
    expect(ipipFrame.inner?.ipv4).toMatchObject({ src: '10.8.0.1', dst: '10.8.0.2' });
    expect(ipipFrame.inner?.icmp).toMatchObject({ type: 8, id: 0x527d });
    const vx = parseFrame(cap.VETH_VXLAN_ZERO_CSUM);
    expect(vx.udp).toMatchObject({ sport: 45536, dport: 4789, checksum: 0 });
    expect(vx.vxlan).toEqual({ flags: 0x08, reserved1: 0, vni: 4242, reserved2: 0 });
    expect(vx.inner?.eth).toEqual({ dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01', type: 0x0800 });
    expect(vx.inner?.icmp).toMatchObject({ id: 0x53d3 });
    expect(vx.fields.find((f) => f.path === 'inner.ipv4.ttl')?.offset).toBe(14 + 20 + 8 + 8 + 14 + 8);
  });

  it('round trips every builder', () => {
    const arpFrame = frame(eth({ dst: 'ff:ff:ff:ff:ff:ff', src: A.mac }), arp({ op: 'request', sha: A.mac, spa: A.ip, tha: '00:00:00:00:00:00', tpa: B.ip }));
    expect(arpFrame.length).toBe(14 + 28);
    expect(parseFrame(arpFrame).arp).toEqual({ htype: 1, ptype: 0x0800, hlen: 6, plen: 4, op: 1, sha: A.mac, spa: A.ip, tha: '00:00:00:00:00:00', tpa: B.ip });

    // Router Alert option (4 bytes) makes IHL 6.
    const withOptions = frame(eth({ dst: B.mac, src: A.mac }), ipv4({ src: A.ip, dst: B.ip, ttl: 1, tos: 0xb8, id: 7, options: [0x94, 0x04, 0, 0] }), udp({ sport: 5, dport: 6, payload: 'abc' }));
    const p = parseFrame(withOptions);
    expect(p.ipv4).toMatchObject({ ihl: 6, ttl: 1, tos: 0xb8, id: 7, totalLength: 24 + 8 + 3 });
    expect(hex(p.ipv4!.options)).toBe('94040000');
    expect(p.udp).toMatchObject({ sport: 5, dport: 6, length: 11 });
    expect(new TextDecoder().decode(p.payload)).toBe('abc');
    expect(badChecksums(withOptions)).toEqual([]);

    const timeExceeded = frame(eth({ dst: A.mac, src: B.mac }), ipv4({ src: B.ip, dst: A.ip }), icmpError({ type: 11, code: 0, original: truncate(ipOf(cap.VETH_TCP_DATA), 28) }));
    const te = parseFrame(timeExceeded);
    expect(te.icmp).toMatchObject({ type: 11, code: 0, rest: 0 });
    expect(te.icmp?.original?.ipv4?.id).toBe(0xc7dc);
    expect(badChecksums(timeExceeded)).toEqual([]);

    const composed = frame(eth({ dst: B.mac, src: A.mac }), ipv4({ src: A.ip, dst: B.ip }), ipv4({ src: '10.24.1.2', dst: '10.24.2.3', ttl: 63 }), tcp({ sport: 1, dport: 2, flags: 'RST' }));
    expect(parseFrame(composed).inner?.tcp?.flagNames).toBe('RST');
    expect(parsePacket(ipOf(composed)).inner?.ipv4?.ttl).toBe(63);
    expect(badChecksums(composed)).toEqual([]);
  });
});

describe('truncation and broken packets', () => {
  it('truncate copies a prefix', () => {
    const t = truncate(cap.VETH_UDP, 20);
    expect(hex(t)).toBe(hex(cap.VETH_UDP.subarray(0, 20)));
    t[0] = 0xff;
    expect(cap.VETH_UDP[0]).toBe(0x02);
    expect(() => truncate(cap.VETH_UDP, 1000)).toThrow();
  });

  it('parsing and diffing never throw on any prefix of any capture', () => {
    for (const f of Object.values(cap).filter((v): v is Uint8Array => v instanceof Uint8Array && v.length > 60)) {
      for (let n = 0; n <= Math.min(f.length, 130); n++) {
        const cut = truncate(f, n);
        expect(() => parseFrame(cut)).not.toThrow();
        expect(() => hexDiff(cut, f)).not.toThrow();
      }
    }
    expect(parseFrame(truncate(cap.VETH_UDP, 40)).problems).toEqual(['ipv4.totalLength 40 > 26 bytes present', 'udp: truncated, 6 of 8 bytes']);
  });

  const base = [eth({ dst: B.mac, src: A.mac })] as const;
  const l4 = udp({ sport: 1, dport: 2, payload: 'abcd' });

  it('overrides are written after the checksum', () => {
    const badIhl = frame(...base, ipv4({ src: A.ip, dst: B.ip, override: { ihl: 4 } }), l4);
    expect(parseFrame(badIhl).problems).toEqual(['ipv4.ihl is 4, below 5']);
    const v6 = frame(...base, ipv4({ src: A.ip, dst: B.ip, override: { version: 6 } }), l4);
    expect(parseFrame(v6).problems).toEqual(['ipv4.version is 6, not 4']);
    expect(ipv4HeaderChecksumOk(v6, 14)).toBe(false);
    const tooLong = frame(...base, ipv4({ src: A.ip, dst: B.ip, override: { totalLength: 1500 } }), l4);
    expect(parseFrame(tooLong).problems).toEqual(['ipv4.totalLength 1500 > 32 bytes present']);
    expect(badChecksums(tooLong)).toEqual(['ipv4.checksum', 'udp.checksum']);
    const staleSum = frame(...base, ipv4({ src: A.ip, dst: B.ip }), udp({ sport: 1, dport: 2, payload: 'abcd', override: { dport: 3 } }));
    expect(badChecksums(staleSum)).toEqual(['udp.checksum']);
    const explicitSum = frame(...base, ipv4({ src: A.ip, dst: B.ip, override: { checksum: 0xdead } }), l4);
    expect(parseFrame(explicitSum).ipv4?.checksum).toBe(0xdead);
  });

  it('setField changes one field of a finished frame, inner layers included', () => {
    const f = setField(cap.VETH_VXLAN_ZERO_CSUM, 'inner.ipv4.dst', '10.8.0.9');
    expect(parseFrame(f).inner?.ipv4?.dst).toBe('10.8.0.9');
    expect(badChecksums(f)).toEqual(['inner.ipv4.checksum']); // ICMP has no pseudo-header
    expect(parseFrame(setField(cap.VETH_TCP_DATA, 'ipv4.df', false)).ipv4?.df).toBe(false);
    expect(() => setField(cap.VETH_UDP, 'tcp.seq', 1)).toThrow(/no field 'tcp.seq'/);
  });

  it('builders refuse what they cannot know', () => {
    expect(() => frame(eth({ dst: B.mac, src: A.mac }), new Uint8Array(4))).toThrow(/eth: pass type/);
    expect(() => frame(udp({ sport: 1, dport: 2 }))).toThrow(/enclosing ipv4/);
    expect(() => icmpError({ type: 3, code: 1, mtu: 1400, original: new Uint8Array(28) })).toThrow(/mtu/);
  });
});

describe('hexDiff and expectFrame', () => {
  const want = cap.VETH_UDP;

  it('names the field at the first difference', () => {
    const diff = hexDiff(setField(want, 'ipv4.ttl', 0x3f), want);
    expect(diff.split('\n')[0]).toBe('ipv4.ttl at offset 22: got 0x3f want 0x40');
    expect(diff).toMatch(/^> 0010 .*\[3f\].*\[40\]/m);
  });

  it('tells bit fields sharing a byte apart', () => {
    expect(hexDiff(setField(want, 'ipv4.ihl', 6), want).split('\n')[0]).toBe('ipv4.ihl at offset 14: got 0x6 want 0x5');
    expect(hexDiff(setField(want, 'ipv4.version', 6), want).split('\n')[0]).toBe('ipv4.version at offset 14: got 0x6 want 0x4');
    expect(hexDiff(setField(want, 'ipv4.df', false), want).split('\n')[0]).toBe('ipv4.df at offset 20: got 0x0 want 0x1');
  });

  it('shows addresses, TCP flags, payload bytes, ICMP MTU and inner fields readably', () => {
    expect(hexDiff(setField(want, 'ipv4.dst', '10.7.0.3'), want).split('\n')[0]).toBe('ipv4.dst at offset 33: got 10.7.0.3 want 10.7.0.2');
    expect(hexDiff(setField(want, 'eth.src', '02:00:00:00:00:0c'), want).split('\n')[0]).toBe('eth.src at offset 11: got 02:00:00:00:00:0c want 02:00:00:00:00:0a');
    const data = cap.VETH_TCP_DATA;
    expect(hexDiff(setField(data, 'tcp.flags', tcpFlags('ack')), data).split('\n')[0]).toBe('tcp.flags at offset 47: got 0x10 (ACK) want 0x18 (PSH|ACK)');
    expect(hexDiff(setField(data, 'tcp.payload', 'J'), data).split('\n')[0]).toBe('tcp.payload[0] at offset 54: got 0x4a want 0x68');
    expect(hexDiff(setField(cap.VETH_FRAG_NEEDED, 'icmp.mtu', 1450), cap.VETH_FRAG_NEEDED).split('\n')[0]).toBe('icmp.mtu at offset 40: got 0x05aa want 0x03e8');
    const vx = cap.VETH_VXLAN_ZERO_CSUM;
    expect(hexDiff(setField(vx, 'inner.ipv4.ttl', 63), vx).split('\n')[0]).toBe('inner.ipv4.ttl at offset 72: got 0x3f want 0x40');
    expect(hexDiff(setField(vx, 'vxlan.vni', 1), vx).split('\n')[0]).toBe('vxlan.vni at offset 47: got 0x000001 want 0x001092');
  });

  it('lists every differing field and length changes', () => {
    const got = frame(eth({ dst: B.mac, src: A.mac }), ipv4({ src: A.ip, dst: B.ip, id: 0x6a87, df: true, ttl: 63 }), udp({ sport: 39784, dport: 5555, payload: 'hello-tortie' }));
    const diff = hexDiff(got, want);
    expect(diff).toContain('  ipv4.ttl @22: got 0x3f want 0x40');
    expect(diff).toContain('  ipv4.checksum @24: got 0xbd2d want 0xbc2d');
    const short = hexDiff(truncate(want, 44), want);
    expect(short.split('\n').slice(0, 2)).toEqual(['actual ends at 44 bytes; expected continues with udp.payload[2] at offset 44', 'length: got 44 want 54']);
    const long = hexDiff(concat(want, fromHex('0000')), want);
    expect(long.split('\n')[0]).toBe('actual has 2 extra bytes from offset 54 (trailer[0])');
  });

  it('elides identical rows of long frames', () => {
    const diff = hexDiff(setField(cap.VETH_FRAG_NEEDED, 'icmp.original.ipv4.ttl', 1), cap.VETH_FRAG_NEEDED);
    expect(diff).toContain('icmp.original.ipv4.ttl at offset 50: got 0x01 want 0x40');
    expect(diff).toMatch(/\.\.\. +\(2 identical rows\)/);
    expect(diff).toMatch(/\.\.\. +\(32 identical rows\)/);
  });

  it('expectFrame passes on equal bytes and throws the diff otherwise', () => {
    expect(() => expectFrame(want.slice(), want)).not.toThrow();
    expect(hexDiff(want.slice(), want)).toBe('');
    expect(() => expectFrame(setField(want, 'udp.dport', 53), want, { message: 'to_hep output' })).toThrow(/^to_hep output: frames differ\nudp.dport at offset 36: got 0x0035 want 0x15b3/);
    expect(() => expect(setField(want, 'ipv4.ttl', 1)).toEqualFrame(want)).toThrow(/ipv4\.ttl at offset 22/);
  });
});

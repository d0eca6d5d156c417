/**
 * Floating-IP 1:1 NAT (issue 5) through BPF_PROG_TEST_RUN: DNAT on the uplink, in tt_to_wep and
 * between pods, SNAT of a pod with a floating IP (outside the pools, or replies through tt_nat_ct),
 * hairpin, ICMP errors with their quoted headers, transit, and malformed packets. Expected frames
 * are built with full checksums by the packet toolkit; every checksum is also re-summed here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { EpFlags, NAT_CT_FRAGMENTS, NatDir, NudState, Reason, RedirectKind, RouteFlags, RouteType } from '../../src/dataplane/abi.js';
import { linkInfoOf } from '../../src/dataplane/interfaces.js';
import { addNetns, deleteNetns, inNetns, withNetns } from '../../src/lab/netns.js';
import { native } from '../../src/native/index.js';
import type { ProgramName } from '../../src/dataplane/loader.js';
import { BpfHarness, TC_ACT_REDIRECT, TC_ACT_SHOT, TC_ACT_UNSPEC } from '../helpers/bpf.js';
import {
  badChecksums, eth, expectFrame, frame, icmpEcho, icmpError, ipv4, packet, raw, tcp, tcpOpt, udp, type Layer,
} from '../helpers/packet.js';

const HOST = 'ee:ee:ee:ee:ee:ee';
const SELF = { ip: '192.168.122.11', vtep: '66:00:00:00:00:11' };
const NODE2 = { ip: '192.168.122.12', mac: '02:00:00:00:00:12' };
const OUT = { ip: '192.168.122.200', mac: '02:00:00:00:00:c8' };
const FIP = '172.18.22.113';
const FIP_NO_EP = '172.18.22.114'; // a LocalNat route with no nat entry
const TRANSIT = '172.18.30.5';
const POD = { ip: '10.24.1.2', mac: '02:00:00:00:00:0a', cali: 'caliaaaaaaaaaaa' };
const B = { ip: '10.24.1.3', mac: '02:00:00:00:00:0b', cali: 'calibbbbbbbbbbb' };

const netns = `tt-nat-${randomBytes(3).toString('hex')}`;
let h: BpfHarness;
let ifPod: number;
let ifB: number;
let ifUplink: number;
let uplinkMac: string;

beforeAll(() => {
  addNetns(netns);
  inNetns(netns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  for (const cali of [POD.cali, B.cali]) inNetns(netns, ['ip', 'link', 'add', cali, 'type', 'veth', 'peer', 'name', `p${cali.slice(4, 12)}`]);
  inNetns(netns, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'wire']);
  for (const dev of [POD.cali, B.cali, 'eth0', 'wire']) inNetns(netns, ['ip', 'link', 'set', dev, 'up']);
  inNetns(netns, ['ip', 'addr', 'add', `${SELF.ip}/24`, 'dev', 'eth0']);
  uplinkMac = withNetns(native, netns, () => linkInfoOf('eth0').mac);
  ifUplink = withNetns(native, netns, () => native.ifNameToIndex('eth0'));
  h = new BpfHarness(netns, { hostIp: SELF.ip, uplinkIfindex: ifUplink, uplinkMtu: 1500, uplinkMac, vtepMac: SELF.vtep });
  ifPod = h.ifindex(POD.cali);
  ifB = h.ifindex(B.cali);
  h.maps.endpoints.update({ addr: POD.ip }, { ifindex: ifPod, flags: EpFlags.Nat, mac: POD.mac });
  h.maps.endpoints.update({ addr: B.ip }, { ifindex: ifB, flags: 0, mac: B.mac });
  const route = (cidr: string, type: number, flags: number, nextHop = '0.0.0.0') => {
    const [addr, len] = cidr.split('/');
    h.maps.routes.update({ prefixLen: Number(len), addr: addr! }, { type, flags, nextHop, ifindex: 0 });
  };
  route('10.24.0.0/16', RouteType.Pool, RouteFlags.InPool);
  route('10.24.1.0/26', RouteType.LocalBlock, RouteFlags.InPool);
  route(`${FIP}/32`, RouteType.LocalNat, 0);
  route(`${FIP_NO_EP}/32`, RouteType.LocalNat, 0);
  route(`${TRANSIT}/32`, RouteType.RemoteWorkload, RouteFlags.Ipip, NODE2.ip);
  route(`${NODE2.ip}/32`, RouteType.RemoteHost, 0, NODE2.ip);
  route(`${SELF.ip}/32`, RouteType.LocalHost, 0, SELF.ip);
  h.maps.neigh.update({ ifindex: ifUplink, addr: NODE2.ip }, { mac: NODE2.mac, state: NudState.REACHABLE });
  h.maps.nat.update({ dir: NatDir.Dnat, addr: FIP }, { addr: POD.ip });
  h.maps.nat.update({ dir: NatDir.Snat, addr: POD.ip }, { addr: FIP });
});

afterAll(() => {
  h?.close();
  deleteNetns(netns);
});

const run = (program: ProgramName, f: Uint8Array, ifindex: number) => h.runCounted(program, f, { ifindex, headroom: 128 });

// ---- frames -----------------------------------------------------------------------------------
type Kind = 'tcp' | 'udp' | 'udp0' | 'echo' | 'reply';
interface Flow { src: string; dst: string; kind: Kind; sport: number; dport: number; ttl?: number }
const PROTO: Record<Kind, number> = { tcp: 6, udp: 17, udp0: 17, echo: 1, reply: 1 };
const data = Array.from({ length: 23 }, (_, i) => (i * 37 + 5) & 0xff); // odd length: exercises the padding

function l4(f: Flow): Layer {
  if (f.kind === 'tcp') return tcp({ sport: f.sport, dport: f.dport, flags: 'SYN', seq: 0x1a2b3c4d, options: [tcpOpt.mss(1460), tcpOpt.nop(), tcpOpt.wscale(7)] });
  if (f.kind === 'udp' || f.kind === 'udp0') return udp({ sport: f.sport, dport: f.dport, payload: data, checksum: f.kind === 'udp0' ? 'zero' : 'compute' });
  return icmpEcho({ type: f.kind === 'echo' ? 8 : 0, id: f.sport, seq: 9, payload: data }); // echo: sport = dport = id
}
const ip = (f: Flow) => [ipv4({ src: f.src, dst: f.dst, ttl: f.ttl ?? 64, id: 0x3344, df: true }), l4(f)];
const fr = (dst: string, src: string, f: Flow) => frame(eth({ dst, src }), ip(f));
/** The ct key of a flow the peer started towards the pod (dst = the pod's side). */
const ctKey = (intAddr: string, f: Flow) => ({ intAddr, peerAddr: f.src, intPort: f.dport, peerPort: f.sport, proto: PROTO[f.kind] });

// ---- independent checksum verification ---------------------------------------------------------
const get16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
function sum(b: Uint8Array, start: number, end: number, acc = 0): number {
  for (let i = start; i < end; i += 2) acc += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}
/** Every checksum of an Ethernet/IPv4 frame that does not sum to 0xffff, the quoted IPv4 header of an ICMP error included. */
function checksumErrors(f: Uint8Array): string[] {
  const bad: string[] = [];
  const l3 = 14;
  const l4 = l3 + (f[l3]! & 15) * 4;
  const end = l3 + get16(f, l3 + 2);
  const proto = f[l3 + 9]!;
  if (sum(f, l3, l4) !== 0xffff) bad.push('ipv4');
  if (proto === 1) {
    if (sum(f, l4, end) !== 0xffff) bad.push('icmp');
    if ([3, 4, 5, 11, 12].includes(f[l4]!) && sum(f, l4 + 8, l4 + 8 + (f[l4 + 8]! & 15) * 4) !== 0xffff) bad.push('quoted ipv4');
  } else if (proto === 6 || (proto === 17 && get16(f, l4 + 6) !== 0)) {
    const pseudo = sum(f, l3 + 12, l3 + 20) + proto + (end - l4);
    if (sum(f, l4, end, pseudo) !== 0xffff) bad.push(proto === 6 ? 'tcp' : 'udp');
  }
  return bad;
}
/** A packet for the floating IP whose TTL runs out here: handed to the kernel as it came, no connection noted. */
function expectExpiringUntranslated(program: ProgramName, input: Uint8Array, ifindex: number, f: Flow): void {
  const res = run(program, input, ifindex);
  expect(res.retval).toBe(TC_ACT_UNSPEC);
  expectFrame(res.data, input);
  expect(res.changed).toEqual([[Reason.PassedTtl, 1]]);
  expect(h.maps.natCt.lookup(ctKey(POD.ip, f))).toBeUndefined();
}
const expectChecksumsOk = (f: Uint8Array) => {
  expect(checksumErrors(f)).toEqual([]);
  expect(badChecksums(f)).toEqual([]);
};

// ---- 1. inbound on the uplink -------------------------------------------------------------------
describe('DNAT on the uplink (outside -> floating IP)', () => {
  const flows: Flow[] = [
    { src: OUT.ip, dst: FIP, kind: 'tcp', sport: 40000, dport: 80 },
    { src: OUT.ip, dst: FIP, kind: 'udp', sport: 40001, dport: 5000 },
    { src: OUT.ip, dst: FIP, kind: 'echo', sport: 0x4242, dport: 0x4242 },
  ];
  for (const f of flows) {
    it(`${f.kind}: dst becomes the pod, TTL - 1, MACs rewritten, checksums follow, redirect_peer; ct remembers the flow`, () => {
      const res = run('tt_from_hep', fr(uplinkMac, OUT.mac, f), ifUplink);
      expect(res.retval).toBe(TC_ACT_REDIRECT);
      expectFrame(res.data, fr(POD.mac, HOST, { ...f, dst: POD.ip, ttl: 63 }));
      expectChecksumsOk(res.data);
      expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Peer, ifindex: ifPod, flags: 0n });
      expect(res.changed).toEqual([[Reason.FwdFromRemote, 1], [Reason.NatDnat, 1]]);
      expect(h.maps.natCt.lookup(ctKey(POD.ip, f))).toEqual({ extAddr: FIP });
    });
  }

  it('a packet whose TTL would expire goes to the kernel untranslated: its time exceeded quotes the floating IP', () => {
    const f: Flow = { src: OUT.ip, dst: FIP, kind: 'echo', sport: 0x4545, dport: 0x4545, ttl: 1 };
    expectExpiringUntranslated('tt_from_hep', fr(uplinkMac, OUT.mac, f), ifUplink, f);
  });

  it('a UDP datagram without checksum (0) keeps 0', () => {
    const f: Flow = { src: OUT.ip, dst: FIP, kind: 'udp0', sport: 40002, dport: 5001 };
    const res = run('tt_from_hep', fr(uplinkMac, OUT.mac, f), ifUplink);
    expectFrame(res.data, fr(POD.mac, HOST, { ...f, dst: POD.ip, ttl: 63 }));
    expect(get16(res.data, 14 + 20 + 6)).toBe(0);
    expect(checksumErrors(res.data)).toEqual([]);
    expect(res.changed).toEqual([[Reason.FwdFromRemote, 1], [Reason.NatDnat, 1]]);
  });
});

// ---- 2. outbound from the pod -------------------------------------------------------------------
describe('SNAT of the pod with a floating IP', () => {
  const flows: Flow[] = [
    { src: POD.ip, dst: OUT.ip, kind: 'tcp', sport: 80, dport: 40000 },
    { src: POD.ip, dst: OUT.ip, kind: 'udp', sport: 6000, dport: 53 },
    { src: POD.ip, dst: OUT.ip, kind: 'reply', sport: 0x4343, dport: 0x4343 },
  ];
  for (const f of flows) {
    it(`${f.kind} to the outside leaves with the floating IP as source, to the kernel`, () => {
      const res = run('tt_from_wep', fr(HOST, POD.mac, f), ifPod);
      expect(res.retval).toBe(TC_ACT_UNSPEC);
      expectFrame(res.data, fr(HOST, POD.mac, { ...f, src: FIP }));
      expectChecksumsOk(res.data);
      expect(res.changed).toEqual([[Reason.Passed, 1], [Reason.NatSnat, 1]]);
    });
  }

  it('to an in-pool pod with no ct entry the source stays the pod IP', () => {
    const f: Flow = { src: POD.ip, dst: B.ip, kind: 'echo', sport: 0x4444, dport: 0x4444 };
    const res = run('tt_from_wep', fr(HOST, POD.mac, f), ifPod);
    expectFrame(res.data, fr(B.mac, HOST, { ...f, ttl: 63 }));
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Peer, ifindex: ifB, flags: 0n });
    expect(res.changed).toEqual([[Reason.FwdLocal, 1]]);
  });
});

// Connections opened to the pod IP itself (no floating IP involved) must be answered from the pod IP:
// SNAT to the floating IP would make the reply match no socket of the opener.
describe('replies to connections made to the pod IP itself', () => {
  const replyKeepsPodIp = (peer: string, sport: number) => {
    const reply: Flow = { src: POD.ip, dst: peer, kind: 'tcp', sport: 8080, dport: sport };
    const input = fr(HOST, POD.mac, reply);
    const res = run('tt_from_wep', input, ifPod);
    expect(res.retval).toBe(TC_ACT_UNSPEC);
    expectFrame(res.data, input, { message: `reply to ${peer} must keep source ${POD.ip}` });
    expect(res.changed).toEqual([[Reason.Passed, 1]]);
  };

  it('the node itself (a kubelet probe through tt_to_wep): the SYN-ACK keeps the pod IP', () => {
    const probe: Flow = { src: SELF.ip, dst: POD.ip, kind: 'tcp', sport: 50100, dport: 8080 };
    expect(run('tt_to_wep', fr(POD.mac, HOST, probe), ifPod).changed).toEqual([[Reason.ToWepPassed, 1]]);
    replyKeepsPodIp(SELF.ip, 50100);
  });

  it('an outside host routed to the pod IP (BGP-advertised pods) through the uplink: the reply keeps the pod IP', () => {
    const req: Flow = { src: OUT.ip, dst: POD.ip, kind: 'tcp', sport: 40200, dport: 8080 };
    expect(run('tt_from_hep', fr(uplinkMac, OUT.mac, req), ifUplink).changed).toEqual([[Reason.FwdFromRemote, 1]]);
    replyKeepsPodIp(OUT.ip, 40200);
  });
});

// A datagram the pod sends in fragments: only the first carries the ports a connection is found by, so
// the source it leaves with is remembered by IP id for the others (they must all leave with the same one).
describe('fragments of a pod datagram', () => {
  const body = Array.from({ length: 24 }, (_, i) => i);
  /** The pod's datagram `id` to `peer`: its first fragment (with the UDP header) and one after it. */
  const fragments = (peer: string, id: number, sport: number, dport: number, dstMac = HOST) => [
    frame(eth({ dst: dstMac, src: POD.mac }), ipv4({ src: POD.ip, dst: peer, id, mf: true }), udp({ sport, dport, payload: body })),
    frame(eth({ dst: dstMac, src: POD.mac }), ipv4({ src: POD.ip, dst: peer, id, fragOffset: 4, proto: 17 }), raw(body)),
  ];
  const sourceOf = (f: Uint8Array) => [...f.subarray(14 + 12, 14 + 16)].join('.');

  it('to a pool peer that reached the pod by its floating IP: every fragment leaves with the floating IP', () => {
    const req: Flow = { src: B.ip, dst: FIP, kind: 'udp', sport: 45100, dport: 5300 };
    expect(run('tt_from_wep', fr(HOST, B.mac, req), ifB).changed).toEqual([[Reason.FwdLocal, 1], [Reason.NatDnat, 1]]);
    const [first, later] = fragments(B.ip, 0x7777, 5300, 45100);
    const out = [run('tt_from_wep', first!, ifPod), run('tt_from_wep', later!, ifPod)];
    expect(out.map((r) => sourceOf(r.data))).toEqual([FIP, FIP]);
    expect(out.map((r) => r.changed)).toEqual([[[Reason.FwdLocal, 1], [Reason.NatSnat, 1]], [[Reason.FwdLocal, 1], [Reason.NatSnat, 1]]]);
    expect(h.maps.natCt.lookup({ intAddr: POD.ip, peerAddr: B.ip, intPort: 0x7777, peerPort: 0, proto: 17 | NAT_CT_FRAGMENTS })).toEqual({ extAddr: FIP });
  });

  it('to an outside peer that reached the pod by its own IP: every fragment keeps the pod IP', () => {
    const req: Flow = { src: OUT.ip, dst: POD.ip, kind: 'udp', sport: 40300, dport: 8081 };
    expect(run('tt_from_hep', fr(uplinkMac, OUT.mac, req), ifUplink).changed).toEqual([[Reason.FwdFromRemote, 1]]);
    const [first, later] = fragments(OUT.ip, 0x7778, 8081, 40300);
    const out = [run('tt_from_wep', first!, ifPod), run('tt_from_wep', later!, ifPod)];
    expect(out.map((r) => sourceOf(r.data))).toEqual([POD.ip, POD.ip]);
    expect(out.map((r) => r.changed)).toEqual([[[Reason.Passed, 1]], [[Reason.Passed, 1]]]);
  });

  it('a later fragment seen before its first is decided as without ports: to the outside, with the floating IP', () => {
    const [, later] = fragments(OUT.ip, 0x7779, 8082, 40301);
    const res = run('tt_from_wep', later!, ifPod);
    expect(sourceOf(res.data)).toBe(FIP);
    expect(res.changed).toEqual([[Reason.Passed, 1], [Reason.NatSnat, 1]]);
  });
});

// ---- 3. and 4. pods reaching a floating IP --------------------------------------------------------
describe('pods reaching a floating IP', () => {
  it('hairpin: the pod to its own floating IP comes back as FIP -> pod, into itself', () => {
    const f: Flow = { src: POD.ip, dst: FIP, kind: 'tcp', sport: 33000, dport: 8080 };
    const res = run('tt_from_wep', fr(HOST, POD.mac, f), ifPod);
    expect(res.retval).toBe(TC_ACT_REDIRECT);
    expectFrame(res.data, fr(POD.mac, HOST, { ...f, src: FIP, dst: POD.ip, ttl: 63 }));
    expectChecksumsOk(res.data);
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Peer, ifindex: ifPod, flags: 0n });
    expect(res.changed).toEqual([[Reason.FwdLocal, 1], [Reason.NatHairpin, 1]]);
  });

  it('hairpin UDP: both addresses and the checksum are right', () => {
    const f: Flow = { src: POD.ip, dst: FIP, kind: 'udp', sport: 33001, dport: 8081 };
    const res = run('tt_from_wep', fr(HOST, POD.mac, f), ifPod);
    expectFrame(res.data, fr(POD.mac, HOST, { ...f, src: FIP, dst: POD.ip, ttl: 63 }));
    expectChecksumsOk(res.data);
  });

  it('another pod -> FIP: DNAT to the pod, source kept, ct entry; the reply to it leaves with the FIP', () => {
    const f: Flow = { src: B.ip, dst: FIP, kind: 'tcp', sport: 45000, dport: 443 };
    expect(h.maps.natCt.lookup(ctKey(POD.ip, f))).toBeUndefined();
    const res = run('tt_from_wep', fr(HOST, B.mac, f), ifB);
    expect(res.retval).toBe(TC_ACT_REDIRECT);
    expectFrame(res.data, fr(POD.mac, HOST, { ...f, dst: POD.ip, ttl: 63 }));
    expectChecksumsOk(res.data);
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Peer, ifindex: ifPod, flags: 0n });
    expect(res.changed).toEqual([[Reason.FwdLocal, 1], [Reason.NatDnat, 1]]);
    expect(h.maps.natCt.lookup(ctKey(POD.ip, f))).toEqual({ extAddr: FIP });

    const reply: Flow = { src: POD.ip, dst: B.ip, kind: 'tcp', sport: 443, dport: 45000 };
    const back = run('tt_from_wep', fr(HOST, POD.mac, reply), ifPod);
    expectFrame(back.data, fr(B.mac, HOST, { ...reply, src: FIP, ttl: 63 }));
    expectChecksumsOk(back.data);
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Peer, ifindex: ifB, flags: 0n });
    expect(back.changed).toEqual([[Reason.FwdLocal, 1], [Reason.NatSnat, 1]]);
  });

  it('another pod -> FIP with a TTL that would expire: to the kernel untranslated, so the time exceeded quotes the FIP', () => {
    const f: Flow = { src: B.ip, dst: FIP, kind: 'udp', sport: 45001, dport: 33434, ttl: 1 };
    expectExpiringUntranslated('tt_from_wep', fr(HOST, B.mac, f), ifB, f);
  });

  it('a floating IP routed here with no nat entry is a counted drop', () => {
    const res = run('tt_from_wep', fr(HOST, B.mac, { src: B.ip, dst: FIP_NO_EP, kind: 'udp', sport: 1, dport: 2 }), ifB);
    expect(res).toMatchObject({ retval: TC_ACT_SHOT, changed: [[Reason.DropNatNoEp, 1]] });
  });
});

// ---- 5. ICMP errors ---------------------------------------------------------------------------------
describe('ICMP errors about NATed flows', () => {
  const QUOTE = 14 + 20 + 8; // quoted IPv4 header in the frame
  const quotedUdp = (src: string, dst: string, sport: number, dport: number) =>
    packet(ipv4({ src, dst, ttl: 61, id: 0x0bad }), udp({ sport, dport, payload: 'a query that is not quoted' }));
  const quotedTcp = (src: string) =>
    packet(ipv4({ src, dst: OUT.ip, id: 0x0cad, df: true }), tcp({ sport: 443, dport: 40010, flags: 'ACK|PSH', seq: 7, ack: 9, payload: new Uint8Array(1400).fill(0x5a) }));
  const errFrame = (dmac: string, smac: string, src: string, dst: string, ttl: number, code: number, original: Uint8Array, mtu?: number) =>
    frame(eth({ dst: dmac, src: smac }), ipv4({ src, dst, ttl, tos: 0xc0 }), icmpError({ type: 3, code, mtu, original }));

  it('inbound port unreachable quoting UDP: outer dst and quoted src become the pod, every checksum right', () => {
    const original = quotedUdp(FIP, OUT.ip, 5000, 53);
    const translated = quotedUdp(POD.ip, OUT.ip, 5000, 53);
    expect(get16(original, 26)).not.toBe(get16(translated, 26)); // the quoted UDP checksum must change
    const res = run('tt_from_hep', errFrame(uplinkMac, OUT.mac, OUT.ip, FIP, 64, 3, original.slice(0, 28)), ifUplink);
    expect(res.retval).toBe(TC_ACT_REDIRECT);
    expectFrame(res.data, errFrame(POD.mac, HOST, OUT.ip, POD.ip, 63, 3, translated.slice(0, 28)));
    expect([...res.data.subarray(QUOTE + 12, QUOTE + 16)].join('.')).toBe(POD.ip);
    expect(get16(res.data, QUOTE + 20 + 6)).toBe(get16(translated, 26)); // full recompute for 10.24.1.2 as source
    expectChecksumsOk(res.data);
    expect(res.changed).toEqual([[Reason.FwdFromRemote, 1], [Reason.NatIcmpError, 1]]);
  });

  it('inbound frag-needed quoting a whole TCP header: the quoted TCP checksum is updated too', () => {
    const original = quotedTcp(FIP);
    const translated = quotedTcp(POD.ip);
    const res = run('tt_from_hep', errFrame(uplinkMac, OUT.mac, OUT.ip, FIP, 64, 4, original.slice(0, 48), 1400), ifUplink);
    expectFrame(res.data, errFrame(POD.mac, HOST, OUT.ip, POD.ip, 63, 4, translated.slice(0, 48), 1400));
    expect(get16(res.data, QUOTE + 20 + 16)).toBe(get16(translated, 36));
    expectChecksumsOk(res.data);
    expect(res.changed).toEqual([[Reason.FwdFromRemote, 1], [Reason.NatIcmpError, 1]]);
  });

  it('outbound: the pod’s port unreachable leaves from the FIP, quoting the FIP as destination', () => {
    const original = quotedUdp(OUT.ip, POD.ip, 5353, 9999).slice(0, 28);
    const translated = quotedUdp(OUT.ip, FIP, 5353, 9999).slice(0, 28);
    const res = run('tt_from_wep', errFrame(HOST, POD.mac, POD.ip, OUT.ip, 64, 3, original), ifPod);
    expect(res.retval).toBe(TC_ACT_UNSPEC);
    expectFrame(res.data, errFrame(HOST, POD.mac, FIP, OUT.ip, 64, 3, translated));
    expect([...res.data.subarray(QUOTE + 16, QUOTE + 20)].join('.')).toBe(FIP);
    expectChecksumsOk(res.data);
    expect(res.changed).toEqual([[Reason.Passed, 1], [Reason.NatIcmpError, 1]]);
  });

  it('outbound to an in-pool peer that used the FIP (ct entry): translated the same way', () => {
    h.maps.natCt.update({ intAddr: POD.ip, peerAddr: B.ip, intPort: 9998, peerPort: 5354, proto: 17 }, { extAddr: FIP });
    const original = quotedUdp(B.ip, POD.ip, 5354, 9998).slice(0, 28);
    const res = run('tt_from_wep', errFrame(HOST, POD.mac, POD.ip, B.ip, 64, 3, original), ifPod);
    expectFrame(res.data, errFrame(B.mac, HOST, FIP, B.ip, 63, 3, quotedUdp(B.ip, FIP, 5354, 9998).slice(0, 28)));
    expectChecksumsOk(res.data);
    expect(res.changed).toEqual([[Reason.FwdLocal, 1], [Reason.NatIcmpError, 1]]);
  });
});

// ---- 6. tt_to_wep ---------------------------------------------------------------------------------
describe('tt_to_wep: the host reaching a floating IP through the pod’s cali', () => {
  it('DNATs to the pod, leaves the rest of the frame to the kernel', () => {
    const f: Flow = { src: SELF.ip, dst: FIP, kind: 'tcp', sport: 50000, dport: 22 };
    const res = run('tt_to_wep', fr(POD.mac, HOST, f), ifPod);
    expect(res.retval).toBe(TC_ACT_UNSPEC);
    expectFrame(res.data, fr(POD.mac, HOST, { ...f, dst: POD.ip }));
    expectChecksumsOk(res.data);
    expect(res.changed).toEqual([[Reason.NatDnat, 1]]);
    expect(h.maps.natCt.lookup(ctKey(POD.ip, f))).toEqual({ extAddr: FIP });
  });

  it('passes other traffic untouched', () => {
    const input = fr(POD.mac, HOST, { src: SELF.ip, dst: POD.ip, kind: 'udp', sport: 50001, dport: 53 });
    const res = run('tt_to_wep', input, ifPod);
    expect(res.retval).toBe(TC_ACT_UNSPEC);
    expectFrame(res.data, input);
    expect(res.changed).toEqual([[Reason.ToWepPassed, 1]]);
  });
});

// ---- 7. transit ------------------------------------------------------------------------------------
describe('transit: a floating IP of a pod on another node', () => {
  it('is sent on in IPIP to the owning node', () => {
    const f: Flow = { src: OUT.ip, dst: TRANSIT, kind: 'tcp', sport: 40100, dport: 80 };
    const res = run('tt_from_hep', fr(uplinkMac, OUT.mac, f), ifUplink);
    expect(res.retval).toBe(TC_ACT_REDIRECT);
    const inner = packet(ip({ ...f, ttl: 63 }));
    expectFrame(res.data, frame(eth({ dst: NODE2.mac, src: uplinkMac }), ipv4({ src: SELF.ip, dst: NODE2.ip, proto: 4, ttl: 64, id: 0, df: true }), inner));
    expect(badChecksums(res.data)).toEqual([]);
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Plain, ifindex: ifUplink, flags: 0n });
    expect(res.changed).toEqual([[Reason.FwdTransit, 1]]);
  });

  it('a frame too big to encapsulate (non-GSO) goes to the kernel untouched', () => {
    const big = frame(eth({ dst: uplinkMac, src: OUT.mac }), ipv4({ src: OUT.ip, dst: TRANSIT, df: true }), udp({ sport: 1, dport: 2, payload: new Uint8Array(1472) }));
    expect(big.length).toBe(14 + 1500);
    const res = run('tt_from_hep', big, ifUplink);
    expect(res.retval).toBe(TC_ACT_UNSPEC);
    expectFrame(res.data, big);
    expect(res.changed).toEqual([[Reason.HepPassed, 1]]);
  });
});

// ---- 8. malformed -----------------------------------------------------------------------------------
describe('malformed packets to a floating IP', () => {
  const truncated = (dmac: string, smac: string, src: string) =>
    frame(eth({ dst: dmac, src: smac }), ipv4({ src, dst: FIP, proto: 6 }), raw([0x9c, 0x40, 0x00, 0x50])); // TCP ports only

  it('a TCP header cut to 4 bytes is a counted drop, on the uplink and from a pod', () => {
    expect(run('tt_from_hep', truncated(uplinkMac, OUT.mac, OUT.ip), ifUplink)).toMatchObject({ retval: TC_ACT_SHOT, changed: [[Reason.DropMalformed, 1]] });
    expect(run('tt_from_wep', truncated(HOST, B.mac, B.ip), ifB)).toMatchObject({ retval: TC_ACT_SHOT, changed: [[Reason.DropMalformed, 1]] });
    expect(run('tt_to_wep', truncated(POD.mac, HOST, SELF.ip), ifPod)).toMatchObject({ retval: TC_ACT_SHOT, changed: [[Reason.DropMalformed, 1]] });
  });
});

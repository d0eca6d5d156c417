/**
 * tt_from_wep / tt_from_hep / tt_to_hep through BPF_PROG_TEST_RUN: exact bytes of IPIP and VXLAN
 * encapsulation and decapsulation, route-type decisions, and the ICMP frag-needed reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { NEIGH_VTEP_IFINDEX, NudState, Reason, RedirectKind, RouteFlags, RouteType } from '../../src/dataplane/abi.js';
import { linkInfoOf } from '../../src/dataplane/interfaces.js';
import { addNetns, deleteNetns, inNetns } from '../../src/lab/netns.js';
import { native } from '../../src/native/index.js';
import { withNetns } from '../../src/lab/netns.js';
import { tryRun } from '../../src/util/exec.js';
import { badChecksums, expectFrame } from '../helpers/packet.js';
import type { ProgramName } from '../../src/dataplane/loader.js';
import { BpfHarness, TC_ACT_REDIRECT, TC_ACT_SHOT, TC_ACT_UNSPEC } from '../helpers/bpf.js';
import { be16, be32, csum16, eth, ETH_P_IP, hex, icmpEcho, ipv4, udp } from '../helpers/frames.js';

const HOST = 'ee:ee:ee:ee:ee:ee';
const SELF = { ip: '192.168.122.11', vtep: '66:00:00:00:00:11' };
const IPIP_NODE = { ip: '192.168.122.12', mac: '02:00:00:00:00:12', block: '10.24.2.0' };
const VXLAN_NODE = { ip: '192.168.122.13', mac: '02:00:00:00:00:13', block: '10.24.3.0', vtep: '66:00:00:00:00:13' };
const DIRECT_NODE = { ip: '192.168.122.14', mac: '02:00:00:00:00:14', block: '10.24.4.0' };
const POD = { ip: '10.24.1.2', mac: '02:00:00:00:00:0a', cali: 'caliaaaaaaaaaaa' };

const netns = `tt-bpf-${randomBytes(3).toString('hex')}`;
let h: BpfHarness;
let ifPod: number;
let ifUplink: number;
let uplinkMac: string;

beforeAll(() => {
  addNetns(netns);
  // A node forwards (Calico requires it); bpf_fib_lookup refuses to answer otherwise.
  inNetns(netns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  inNetns(netns, ['ip', 'link', 'add', POD.cali, 'type', 'veth', 'peer', 'name', 'podpeer']);
  inNetns(netns, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'wire']);
  for (const dev of [POD.cali, 'podpeer', 'eth0', 'wire']) inNetns(netns, ['ip', 'link', 'set', dev, 'up']);
  inNetns(netns, ['ip', 'addr', 'add', `${SELF.ip}/24`, 'dev', 'eth0']);
  uplinkMac = withNetns(native, netns, () => linkInfoOf('eth0').mac);
  const uplinkIfindex = withNetns(native, netns, () => native.ifNameToIndex('eth0'));
  h = new BpfHarness(netns, { hostIp: SELF.ip, uplinkIfindex, uplinkMtu: 1500, uplinkMac, vtepMac: SELF.vtep });
  ifPod = h.ifindex(POD.cali);
  ifUplink = uplinkIfindex;
  h.maps.endpoints.update({ addr: POD.ip }, { ifindex: ifPod, flags: 0, mac: POD.mac });
  const route = (cidr: string, type: number, flags: number, nextHop = '0.0.0.0') => {
    const [addr, len] = cidr.split('/');
    h.maps.routes.update({ prefixLen: Number(len), addr: addr! }, { type, flags, nextHop, ifindex: 0 });
  };
  route('10.24.0.0/16', RouteType.Pool, RouteFlags.InPool);
  route('10.24.1.0/26', RouteType.LocalBlock, RouteFlags.InPool);
  route(`${IPIP_NODE.block}/26`, RouteType.RemoteBlock, RouteFlags.InPool | RouteFlags.Ipip, IPIP_NODE.ip);
  route(`${VXLAN_NODE.block}/26`, RouteType.RemoteBlock, RouteFlags.InPool | RouteFlags.Vxlan, VXLAN_NODE.ip);
  route(`${DIRECT_NODE.block}/26`, RouteType.RemoteBlock, RouteFlags.InPool | RouteFlags.SameSubnet, DIRECT_NODE.ip);
  route('10.24.5.0/26', RouteType.RemoteBlock, RouteFlags.InPool | RouteFlags.Vxlan, '192.168.122.15'); // no VTEP known
  for (const n of [IPIP_NODE, VXLAN_NODE, DIRECT_NODE]) {
    route(`${n.ip}/32`, RouteType.RemoteHost, 0, n.ip);
    h.maps.neigh.update({ ifindex: ifUplink, addr: n.ip }, { mac: n.mac, state: NudState.REACHABLE });
  }
  route(`${SELF.ip}/32`, RouteType.LocalHost, 0, SELF.ip);
  h.maps.neigh.update({ ifindex: NEIGH_VTEP_IFINDEX, addr: VXLAN_NODE.ip }, { mac: VXLAN_NODE.vtep, state: NudState.PERMANENT });
});

afterAll(() => {
  h?.close();
  deleteNetns(netns);
});

const run = (program: ProgramName, frame: Uint8Array, ifindex: number) => h.runCounted(program, frame, { ifindex, headroom: 128 });

const echo = icmpEcho(8, 0x4242, 7, Array.from({ length: 24 }, (_, i) => i + 1));
const innerPacket = (dst: string, ttl: number) => ipv4({ src: POD.ip, dst, proto: 1, ttl, id: 0x99, df: true, tos: 0x10 }, echo);
const fromPod = (dst: string, ttl = 64) => eth(HOST, POD.mac, ETH_P_IP, innerPacket(dst, ttl));

describe('encapsulation on the way out of a pod', () => {
  it('IPIP: outer header 20 bytes, proto 4, this node -> owner, DF and TOS copied, checksum valid; inner TTL - 1', () => {
    const dst = '10.24.2.5';
    const res = run('tt_from_wep', fromPod(dst), ifPod);
    expect(res.verdict).toBe('TC_ACT_REDIRECT');
    const inner = innerPacket(dst, 63);
    const expected = eth(IPIP_NODE.mac, uplinkMac, ETH_P_IP, ipv4({ src: SELF.ip, dst: IPIP_NODE.ip, proto: 4, ttl: 64, id: 0, df: true, tos: 0x10 }, inner));
    expectFrame(res.data, expected);
    expect(badChecksums(res.data)).toEqual([]);
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Plain, ifindex: ifUplink, flags: 0n });
    expect(res.changed).toEqual([[Reason.EncapIpip, 1]]);
  });

  it('VXLAN: UDP 4789 with no checksum, VNI 4096, inner MACs = remote VTEP <- own VTEP', () => {
    const dst = '10.24.3.9';
    const res = run('tt_from_wep', fromPod(dst), ifPod);
    expect(res.verdict).toBe('TC_ACT_REDIRECT');
    const sport = (res.data[34]! << 8) | res.data[35]!;
    expect(sport).toBeGreaterThanOrEqual(32768);
    expect(sport).toBeLessThan(61000);
    const innerFrame = [...eth(VXLAN_NODE.vtep, SELF.vtep, ETH_P_IP, innerPacket(dst, 63))];
    const vxlan = [...be32(0x08000000), ...be32(4096 << 8), ...innerFrame];
    const udpHdr = [...be16(sport), ...be16(4789), ...be16(8 + vxlan.length), 0, 0];
    const expected = eth(VXLAN_NODE.mac, uplinkMac, ETH_P_IP, ipv4({ src: SELF.ip, dst: VXLAN_NODE.ip, proto: 17, ttl: 64, id: 0, df: true, tos: 0x10 }, [...udpHdr, ...vxlan]));
    expectFrame(res.data, expected);
    expect(csum16(res.data, 14, 34)).toBe(0);
    // The same flow always gets the same source port.
    expect((run('tt_from_wep', fromPod(dst), ifPod).data[34]! << 8) | res.data[35]!).toBe(sport);
    expect(res.changed).toEqual([[Reason.EncapVxlan, 1]]);
  });

  it('direct: only the MACs (next hop) and the TTL change', () => {
    const dst = '10.24.4.3';
    const res = run('tt_from_wep', fromPod(dst), ifPod);
    expectFrame(res.data, eth(DIRECT_NODE.mac, uplinkMac, ETH_P_IP, innerPacket(dst, 63)));
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Plain, ifindex: ifUplink, flags: 0n });
    expect(res.changed).toEqual([[Reason.FwdRemote, 1]]);
  });

  it('without a fresh neighbour entry, the FIB gives the MAC; without any, bpf_redirect_neigh resolves it', () => {
    h.maps.neigh.update({ ifindex: ifUplink, addr: IPIP_NODE.ip }, { mac: IPIP_NODE.mac, state: NudState.STALE });
    try {
      const missing = run('tt_from_wep', fromPod('10.24.2.5'), ifPod);
      expect(missing.changed).toEqual([[Reason.EncapIpip, 1]]);
      expect(missing.retval).toBe(TC_ACT_REDIRECT);
      expect(h.lastRedirect().kind).toBe(RedirectKind.Neigh);
      expect(h.lastRedirect().ifindex).toBe(ifUplink);

      inNetns(netns, ['ip', 'neigh', 'replace', IPIP_NODE.ip, 'lladdr', '02:00:00:00:01:12', 'dev', 'eth0', 'nud', 'permanent']);
      const viaFib = run('tt_from_wep', fromPod('10.24.2.5'), ifPod);
      expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Plain, ifindex: ifUplink, flags: 0n });
      expect(hex(viaFib.data.slice(0, 12))).toBe(hex([...'02:00:00:00:01:12'.split(':'), ...uplinkMac.split(':')].map((x) => parseInt(x, 16))));
    } finally {
      tryRun(['ip', '-n', netns, 'neigh', 'del', IPIP_NODE.ip, 'dev', 'eth0']);
      h.maps.neigh.update({ ifindex: ifUplink, addr: IPIP_NODE.ip }, { mac: IPIP_NODE.mac, state: NudState.REACHABLE });
    }
  });
});

describe('route types', () => {
  it('a local block with no such endpoint is a counted blackhole drop', () => {
    expect(run('tt_from_wep', fromPod('10.24.1.40'), ifPod)).toMatchObject({ retval: TC_ACT_SHOT, changed: [[Reason.DropBlackhole, 1]] });
  });
  it('a pool address outside any block, another node, the outside world: left to the kernel', () => {
    for (const dst of ['10.24.200.1', IPIP_NODE.ip, '1.1.1.1']) {
      const frame = fromPod(dst);
      const res = run('tt_from_wep', frame, ifPod);
      expect(res.retval).toBe(TC_ACT_UNSPEC);
      expectFrame(res.data, frame);
    }
  });
  it('VXLAN to a node whose VTEP MAC is unknown is a counted drop', () => {
    expect(run('tt_from_wep', fromPod('10.24.5.1'), ifPod)).toMatchObject({ retval: TC_ACT_SHOT, changed: [[Reason.DropNoVtep, 1]] });
  });
});

describe('too big to encapsulate', () => {
  it('answers with ICMP frag-needed (MTU 1480) quoting the original header, back into the pod', () => {
    const big = ipv4({ src: POD.ip, dst: '10.24.2.5', proto: 1, ttl: 64, id: 0x77, df: true }, icmpEcho(8, 1, 1, Array.from({ length: 1472 }, () => 0xab)));
    expect(big.length).toBe(1500);
    const res = run('tt_from_wep', eth(HOST, POD.mac, ETH_P_IP, big), ifPod);
    expect(res.retval).toBe(TC_ACT_REDIRECT);
    const quote = big.slice(0, 28);
    const icmp = [3, 4, 0, 0, 0, 0, ...be16(1480), ...quote];
    const c = csum16(icmp);
    icmp[2] = c >> 8;
    icmp[3] = c & 0xff;
    const expected = eth(POD.mac, HOST, ETH_P_IP, ipv4({ src: SELF.ip, dst: POD.ip, proto: 1, ttl: 64, tos: 0xc0 }, icmp));
    expectFrame(res.data, expected);
    expect(badChecksums(res.data)).toEqual([]);
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Plain, ifindex: ifPod, flags: 0n });
    expect(res.changed).toEqual([[Reason.FragNeeded, 1]]);
  });
  it('VXLAN leaves 1450', () => {
    const big = ipv4({ src: POD.ip, dst: '10.24.3.5', proto: 1, df: true }, icmpEcho(8, 1, 1, Array.from({ length: 1460 }, () => 1)));
    const res = run('tt_from_wep', eth(HOST, POD.mac, ETH_P_IP, big), ifPod);
    expect((res.data[14 + 20 + 6]! << 8) | res.data[14 + 20 + 7]!).toBe(1450);
  });
  it('a frame that fits exactly is encapsulated', () => {
    const fits = ipv4({ src: POD.ip, dst: '10.24.2.5', proto: 1, df: true }, icmpEcho(8, 1, 1, Array.from({ length: 1452 }, () => 1)));
    expect(fits.length).toBe(1480);
    expect(run('tt_from_wep', eth(HOST, POD.mac, ETH_P_IP, fits), ifPod).changed).toEqual([[Reason.EncapIpip, 1]]);
  });
});

describe('decapsulation on the uplink', () => {
  const toPodInner = (ttl: number) => ipv4({ src: '10.24.2.5', dst: POD.ip, proto: 1, ttl, id: 3, df: true }, echo);

  it('IPIP from a known node: outer header removed, delivered into the pod with TTL - 1', () => {
    const frame = eth(uplinkMac, IPIP_NODE.mac, ETH_P_IP, ipv4({ src: IPIP_NODE.ip, dst: SELF.ip, proto: 4, df: true }, toPodInner(63)));
    const res = run('tt_from_hep', frame, ifUplink);
    expect(res.verdict).toBe('TC_ACT_REDIRECT');
    expectFrame(res.data, eth(POD.mac, HOST, ETH_P_IP, toPodInner(62)));
    expect(h.lastRedirect()).toEqual({ kind: RedirectKind.Peer, ifindex: ifPod, flags: 0n });
    expect(res.changed).toEqual([[Reason.DecapIpip, 1]]);
  });

  it('VXLAN VNI 4096 from a known node: 50 bytes removed, delivered into the pod', () => {
    const inner = [...eth(SELF.vtep, VXLAN_NODE.vtep, ETH_P_IP, toPodInner(63))];
    const vx = [...be32(0x08000000), ...be32(4096 << 8), ...inner];
    const frame = eth(uplinkMac, VXLAN_NODE.mac, ETH_P_IP, ipv4({ src: VXLAN_NODE.ip, dst: SELF.ip, proto: 17 }, [...be16(40000), ...be16(4789), ...be16(8 + vx.length), 0, 0, ...vx]));
    const res = run('tt_from_hep', frame, ifUplink);
    expectFrame(res.data, eth(POD.mac, HOST, ETH_P_IP, toPodInner(62)));
    expect(res.changed).toEqual([[Reason.DecapVxlan, 1]]);
  });

  it('a tunnel packet from a host that is not a node is a counted drop', () => {
    const frame = eth(uplinkMac, IPIP_NODE.mac, ETH_P_IP, ipv4({ src: '192.168.122.99', dst: SELF.ip, proto: 4 }, toPodInner(63)));
    expect(run('tt_from_hep', frame, ifUplink)).toMatchObject({ retval: TC_ACT_SHOT, changed: [[Reason.DropTunnelSrc, 1]] });
  });

  it('other VNIs, other UDP and unencapsulated host traffic go to the kernel untouched', () => {
    const vx = [...be32(0x08000000), ...be32(7 << 8), ...eth(SELF.vtep, VXLAN_NODE.vtep, ETH_P_IP, toPodInner(63))];
    const frames = [
      eth(uplinkMac, VXLAN_NODE.mac, ETH_P_IP, ipv4({ src: VXLAN_NODE.ip, dst: SELF.ip, proto: 17 }, [...be16(40000), ...be16(4789), ...be16(8 + vx.length), 0, 0, ...vx])),
      eth(uplinkMac, VXLAN_NODE.mac, ETH_P_IP, ipv4({ src: VXLAN_NODE.ip, dst: SELF.ip, proto: 17 }, udp(VXLAN_NODE.ip, SELF.ip, 5353, 53, [1]))),
      eth(uplinkMac, VXLAN_NODE.mac, ETH_P_IP, ipv4({ src: VXLAN_NODE.ip, dst: SELF.ip, proto: 1 }, echo)),
    ];
    for (const frame of frames) {
      const res = run('tt_from_hep', frame, ifUplink);
      expect(res.retval).toBe(TC_ACT_UNSPEC);
      expectFrame(res.data, frame);
      expect(res.changed).toEqual([[Reason.HepPassed, 1]]);
    }
  });

  it('unencapsulated traffic for a local pod (direct routing) is delivered', () => {
    const frame = eth(uplinkMac, DIRECT_NODE.mac, ETH_P_IP, toPodInner(63));
    const res = run('tt_from_hep', frame, ifUplink);
    expectFrame(res.data, eth(POD.mac, HOST, ETH_P_IP, toPodInner(62)));
    expect(res.changed).toEqual([[Reason.FwdFromRemote, 1]]);
  });
});

describe('host-originated traffic leaving on the uplink', () => {
  it('to a pod behind an IPIP route: encapsulated in place, MACs kept, continues to the wire', () => {
    const inner = ipv4({ src: SELF.ip, dst: '10.24.2.5', proto: 1, ttl: 64, df: true }, echo);
    const res = run('tt_to_hep', eth(IPIP_NODE.mac, uplinkMac, ETH_P_IP, inner), ifUplink);
    expect(res.retval).toBe(TC_ACT_UNSPEC);
    expectFrame(res.data, eth(IPIP_NODE.mac, uplinkMac, ETH_P_IP, ipv4({ src: SELF.ip, dst: IPIP_NODE.ip, proto: 4, df: true }, inner)));
    expect(res.changed).toEqual([[Reason.HepEncapIpip, 1]]);
  });
  it('already-encapsulated and other traffic passes untouched', () => {
    const frame = eth(IPIP_NODE.mac, uplinkMac, ETH_P_IP, ipv4({ src: SELF.ip, dst: IPIP_NODE.ip, proto: 4 }, innerPacket('10.24.2.5', 63)));
    const res = run('tt_to_hep', frame, ifUplink);
    expectFrame(res.data, frame);
    expect(res.changed).toEqual([[Reason.ToHepPassed, 1]]);
  });
});

describe('the forwarding cache (tt_fwd_cache)', () => {
  const dst = '10.24.2.40';
  const outerDst = (frame: Uint8Array) => [...frame.subarray(30, 34)].join('.');
  const epoch = () => h.maps.epoch.lookup(0)!;

  it('remembers a resolved destination: next hop, its MAC and the epoch it was built in', () => {
    run('tt_from_wep', fromPod(dst), ifPod);
    expect(h.maps.fwdCache.lookup({ addr: dst })).toMatchObject({
      epoch: epoch(),
      flags: RouteFlags.InPool | RouteFlags.Ipip,
      nextHop: IPIP_NODE.ip,
      nhMac: IPIP_NODE.mac,
    });
  });

  it('serves later packets from the entry while the epoch holds', () => {
    // A planted entry for the current epoch is followed: proof that the routes are not consulted.
    h.maps.fwdCache.update({ addr: dst }, { epoch: epoch(), flags: RouteFlags.Ipip, nextHop: '192.168.122.99', nhMac: '02:00:00:00:00:99', vtepMac: '00:00:00:00:00:00' });
    const res = run('tt_from_wep', fromPod(dst), ifPod);
    expect(outerDst(res.data)).toBe('192.168.122.99');
    expect(hex(res.data.subarray(0, 6))).toBe('020000000099');
  });

  it('a route change renews the epoch: the next packet follows the new route', () => {
    h.maps.routes.update({ prefixLen: 32, addr: dst }, { type: RouteType.RemoteWorkload, flags: RouteFlags.InPool | RouteFlags.Ipip, nextHop: DIRECT_NODE.ip, ifindex: 0 });
    try {
      const res = run('tt_from_wep', fromPod(dst), ifPod);
      expect(outerDst(res.data)).toBe(DIRECT_NODE.ip);
      expect(hex(res.data.subarray(0, 6))).toBe(DIRECT_NODE.mac.replaceAll(':', ''));
    } finally {
      h.maps.routes.delete({ prefixLen: 32, addr: dst });
    }
    expect(outerDst(run('tt_from_wep', fromPod(dst), ifPod).data)).toBe(IPIP_NODE.ip);
  });

  it('a neighbour change renews the epoch: the new MAC is used at once', () => {
    run('tt_from_wep', fromPod(dst), ifPod);
    h.maps.neigh.update({ ifindex: ifUplink, addr: IPIP_NODE.ip }, { mac: '02:00:00:00:01:12', state: NudState.REACHABLE });
    try {
      expect(hex(run('tt_from_wep', fromPod(dst), ifPod).data.subarray(0, 6))).toBe('020000000112');
    } finally {
      h.maps.neigh.update({ ifindex: ifUplink, addr: IPIP_NODE.ip }, { mac: IPIP_NODE.mac, state: NudState.REACHABLE });
    }
  });

  it('a destination that becomes a local pod is delivered locally, whatever the cache holds', () => {
    run('tt_from_wep', fromPod(dst), ifPod);
    h.maps.endpoints.update({ addr: dst }, { ifindex: ifPod, flags: 0, mac: '02:00:00:00:00:0b' });
    try {
      const res = run('tt_from_wep', fromPod(dst), ifPod);
      expect(res.changed).toEqual([[Reason.FwdLocal, 1]]);
    } finally {
      h.maps.endpoints.delete({ addr: dst });
    }
  });

  it('is not filled while the next hop MAC is unconfirmed (the kernel resolves it every time)', () => {
    h.maps.neigh.update({ ifindex: ifUplink, addr: IPIP_NODE.ip }, { mac: IPIP_NODE.mac, state: NudState.STALE });
    try {
      run('tt_from_wep', fromPod('10.24.2.41'), ifPod);
      expect(h.maps.fwdCache.lookup({ addr: '10.24.2.41' })).toBeUndefined();
    } finally {
      h.maps.neigh.update({ ifindex: ifUplink, addr: IPIP_NODE.ip }, { mac: IPIP_NODE.mac, state: NudState.REACHABLE });
    }
  });
});

/**
 * ns/packet of IPIP and VXLAN encapsulation (tt_from_wep) and decapsulation (tt_from_hep) via
 * BPF_PROG_TEST_RUN. They change the packet, so each call runs once; the figures are given raw and
 * net of a pass-through run timed the same way (the kernel's timer and dispatch cost).
 */
import { randomBytes } from 'node:crypto';
import { NEIGH_VTEP_IFINDEX, NudState, RouteFlags, RouteType } from '../../src/dataplane/abi.js';
import { linkInfoOf } from '../../src/dataplane/interfaces.js';
import { addNetns, deleteNetns, inNetns, withNetns } from '../../src/lab/netns.js';
import { native } from '../../src/native/index.js';
import { BpfHarness } from '../../test/helpers/bpf.js';
import { be16, be32, eth, ETH_P_IP, ETH_P_IPV6, icmpEcho, ipv4 } from '../../test/helpers/frames.js';
import { pairedSingleShot, timeSingleShot, type Probe } from './prog-cost.js';
import { median } from './stats.js';

export interface PairedCost {
  rawNs: number;
  netNs: number;
}

export interface EncapCost {
  passNs: number;
  /** the same path without encapsulation (routing to the node, MACs, redirect) */
  directNs: number;
  ipipEncapNs: number;
  vxlanEncapNs: number;
  ipipDecapNs: number;
  vxlanDecapNs: number;
  /** each path timed against a pass-through run right before it, median of the differences */
  paired: Record<'direct' | 'ipipEncap' | 'vxlanEncap' | 'ipipDecap' | 'vxlanDecap', PairedCost>;
}

export function encapCost(): EncapCost {
  const ns = `tt-bn-${randomBytes(2).toString('hex')}`;
  addNetns(ns);
  try {
    inNetns(ns, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    inNetns(ns, ['ip', 'link', 'add', 'calibenchaaaaaa', 'type', 'veth', 'peer', 'name', 'podpeer']);
    inNetns(ns, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'wire']);
    for (const d of ['calibenchaaaaaa', 'podpeer', 'eth0', 'wire']) inNetns(ns, ['ip', 'link', 'set', d, 'up']);
    inNetns(ns, ['ip', 'addr', 'add', '192.168.122.11/24', 'dev', 'eth0']);
    const uplinkMac = withNetns(native, ns, () => linkInfoOf('eth0').mac);
    const uplinkIfindex = withNetns(native, ns, () => native.ifNameToIndex('eth0'));
    const h = new BpfHarness(ns, { hostIp: '192.168.122.11', uplinkIfindex, uplinkMtu: 1500, uplinkMac, vtepMac: '66:00:00:00:00:11' }, 'tortie');
    try {
      const pod = h.ifindex('calibenchaaaaaa');
      h.maps.endpoints.update({ addr: '10.24.1.2' }, { ifindex: pod, flags: 0, mac: '02:00:00:00:00:0a' });
      const route = (cidr: string, type: number, flags: number, nextHop: string) => {
        const [addr, len] = cidr.split('/');
        h.maps.routes.update({ prefixLen: Number(len), addr: addr! }, { type, flags, nextHop, ifindex: 0 });
      };
      route('10.24.2.0/26', RouteType.RemoteBlock, RouteFlags.InPool | RouteFlags.Ipip, '192.168.122.12');
      route('10.24.3.0/26', RouteType.RemoteBlock, RouteFlags.InPool | RouteFlags.Vxlan, '192.168.122.13');
      route('10.24.4.0/26', RouteType.RemoteBlock, RouteFlags.InPool, '192.168.122.12');
      for (const peer of ['192.168.122.12', '192.168.122.13']) {
        route(`${peer}/32`, RouteType.RemoteHost, 0, peer);
        h.maps.neigh.update({ ifindex: uplinkIfindex, addr: peer }, { mac: '02:00:00:00:00:12', state: NudState.REACHABLE });
      }
      h.maps.neigh.update({ ifindex: NEIGH_VTEP_IFINDEX, addr: '192.168.122.13' }, { mac: '66:00:00:00:00:13', state: NudState.PERMANENT });

      const payload = icmpEcho(8, 1, 1, Array(56).fill(7));
      const fromPod = (dst: string) => eth('ee:ee:ee:ee:ee:ee', '02:00:00:00:00:0a', ETH_P_IP, ipv4({ src: '10.24.1.2', dst, proto: 1, df: true }, payload));
      const inner = ipv4({ src: '10.24.2.5', dst: '10.24.1.2', proto: 1, df: true }, payload);
      const ipipIn = eth(uplinkMac, '02:00:00:00:00:12', ETH_P_IP, ipv4({ src: '192.168.122.12', dst: '192.168.122.11', proto: 4 }, inner));
      const vx = [...be32(0x08000000), ...be32(4096 << 8), ...eth('66:00:00:00:00:11', '66:00:00:00:00:13', ETH_P_IP, inner)];
      const vxlanIn = eth(uplinkMac, '02:00:00:00:00:12', ETH_P_IP, ipv4({ src: '192.168.122.13', dst: '192.168.122.11', proto: 17 }, [...be16(40000), ...be16(4789), ...be16(8 + vx.length), 0, 0, ...vx]));
      const v6 = eth('33:33:00:00:00:01', '02:00:00:00:00:0a', ETH_P_IPV6, Array(46).fill(0));
      const m = (f: () => number) => median([f(), f(), f()]);
      const pass: Probe = { program: 'tt_from_wep', frame: v6, ifindex: pod };
      const wep = (frame: Uint8Array): Probe => ({ program: 'tt_from_wep', frame, ifindex: pod });
      const hep = (frame: Uint8Array): Probe => ({ program: 'tt_from_hep', frame, ifindex: uplinkIfindex });
      const paired = {
        direct: pairedSingleShot(h, wep(fromPod('10.24.4.5')), pass),
        ipipEncap: pairedSingleShot(h, wep(fromPod('10.24.2.5')), pass),
        vxlanEncap: pairedSingleShot(h, wep(fromPod('10.24.3.5')), pass),
        ipipDecap: pairedSingleShot(h, hep(ipipIn), pass),
        vxlanDecap: pairedSingleShot(h, hep(vxlanIn), pass),
      };
      return {
        paired,
        passNs: m(() => timeSingleShot(h, 'tt_from_wep', v6, pod)),
        directNs: m(() => timeSingleShot(h, 'tt_from_wep', fromPod('10.24.4.5'), pod)),
        ipipEncapNs: m(() => timeSingleShot(h, 'tt_from_wep', fromPod('10.24.2.5'), pod)),
        vxlanEncapNs: m(() => timeSingleShot(h, 'tt_from_wep', fromPod('10.24.3.5'), pod)),
        ipipDecapNs: m(() => timeSingleShot(h, 'tt_from_hep', ipipIn, uplinkIfindex)),
        vxlanDecapNs: m(() => timeSingleShot(h, 'tt_from_hep', vxlanIn, uplinkIfindex)),
      };
    } finally {
      h.close();
    }
  } finally {
    deleteNetns(ns);
  }
}

/** ns/packet of tt_from_wep's local forwarding and of its pass-through path, via BPF_PROG_TEST_RUN. */
import { randomBytes } from 'node:crypto';
import { addNetns, deleteNetns, inNetns } from '../../src/lab/netns.js';
import { BpfHarness, TC_ACT_REDIRECT, TC_ACT_UNSPEC } from '../../test/helpers/bpf.js';
import { eth, ETH_P_IP, ETH_P_IPV6, ipv4, udp } from '../../test/helpers/frames.js';
import { median, quantile } from './stats.js';

export interface ForwardingCost {
  /** median kernel-timed ns per run, repeat 200 */
  forwardNs: number;
  passNs: number;
  /** median of (forward - pass) over adjacent calls: what forwarding itself adds */
  addedNs: number;
  /** 10th and 90th percentiles of the forwarding samples: this VM's clock has two speeds */
  forwardP10: number;
  forwardP90: number;
  calls: number;
}

const REPEAT = 200;
const IP_TTL_OFFSET = 14 + 8;

export function forwardingCost(calls = 10_000): ForwardingCost {
  const ns = `tt-bn-${randomBytes(3).toString('hex')}`;
  addNetns(ns);
  try {
    for (const cali of ['calibenchaaaaaa', 'calibenchbbbbbb']) inNetns(ns, ['ip', 'link', 'add', cali, 'type', 'veth', 'peer', 'name', `p${cali.slice(-6)}`]);
    const h = new BpfHarness(ns, {}, 'tortie');
    try {
      const a = h.ifindex('calibenchaaaaaa');
      h.maps.endpoints.update({ addr: '10.24.1.2' }, { ifindex: a, flags: 0, mac: '02:00:00:00:00:0a' });
      h.maps.endpoints.update({ addr: '10.24.1.3' }, { ifindex: h.ifindex('calibenchbbbbbb'), flags: 0, mac: '02:00:00:00:00:0b' });
      // TTL 255 stays above 1 for the 200 repeats that reuse the same skb.
      const forward = eth('ee:ee:ee:ee:ee:ee', '02:00:00:00:00:0a', ETH_P_IP, ipv4({ src: '10.24.1.2', dst: '10.24.1.3', proto: 17, ttl: 255 }, udp('10.24.1.2', '10.24.1.3', 1000, 2000, Array(18).fill(0))));
      const v6 = eth('33:33:00:00:00:01', '02:00:00:00:00:0a', ETH_P_IPV6, Array(46).fill(0));

      // Time only the paths we mean to: a drop or a pass here would make the figure meaningless.
      const check = h.run('tt_from_wep', forward, { ifindex: a, repeat: REPEAT });
      if (check.retval !== TC_ACT_REDIRECT || check.data[IP_TTL_OFFSET] !== 255 - REPEAT) {
        throw new Error(`forwarding frame: ${check.verdict}, TTL ${check.data[IP_TTL_OFFSET]} (expected TC_ACT_REDIRECT, TTL ${255 - REPEAT})`);
      }
      const passCheck = h.run('tt_from_wep', v6, { ifindex: a, repeat: 1 });
      if (passCheck.retval !== TC_ACT_UNSPEC) throw new Error(`IPv6 frame: ${passCheck.verdict} (expected TC_ACT_UNSPEC)`);

      // Adjacent calls, alternating: the VM's clock switches between two speeds every few hundred ms,
      // and both paths must see the same one for their difference to mean anything.
      const fwd: number[] = [];
      const pass: number[] = [];
      const diff: number[] = [];
      for (let i = 0; i < calls; i++) {
        const f = h.run('tt_from_wep', forward, { ifindex: a, repeat: REPEAT }).durationNs;
        const p = h.run('tt_from_wep', v6, { ifindex: a, repeat: REPEAT }).durationNs;
        fwd.push(f);
        pass.push(p);
        diff.push(f - p);
      }
      return {
        forwardNs: median(fwd),
        passNs: median(pass),
        addedNs: median(diff),
        forwardP10: quantile(fwd, 0.1),
        forwardP90: quantile(fwd, 0.9),
        calls,
      };
    } finally {
      h.close();
    }
  } finally {
    deleteNetns(ns);
  }
}

export function forwardingCostLines(c: ForwardingCost): string[] {
  return [
    `tt_from_wep, BPF_PROG_TEST_RUN repeat ${REPEAT}, ${c.calls} calls each, alternating (kernel-timed ns/packet, median):`,
    `  local forwarding, UDP pod A -> pod B       ${c.forwardNs.toFixed(1).padStart(6)}  (p10-p90 ${c.forwardP10}-${c.forwardP90})`,
    `  pass-through, IPv6 frame                   ${c.passNs.toFixed(1).padStart(6)}`,
    `  forwarding adds (median of differences)    ${c.addedNs.toFixed(1).padStart(6)}`,
  ];
}

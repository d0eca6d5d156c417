/** ns/packet of tt_from_wep's local forwarding and of its pass-through path, via BPF_PROG_TEST_RUN. */
import { randomBytes } from 'node:crypto';
import { addNetns, deleteNetns, inNetns } from '../../src/lab/netns.js';
import { BpfHarness } from '../../test/helpers/bpf.js';
import { eth, ETH_P_IP, ETH_P_IPV6, ipv4, udp } from '../../test/helpers/frames.js';
import { timeRepeated } from './prog-cost.js';
import { median } from './stats.js';

export function forwardingCost(): { forwardNs: number; passNs: number } {
  const ns = `tt-bn-${randomBytes(2).toString('hex')}`;
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
      // Five medians of 100 calls each, and the median of those: the 2 vCPUs give bimodal timings.
      const fwd: number[] = [];
      const pass: number[] = [];
      for (let i = 0; i < 5; i++) {
        fwd.push(timeRepeated(h, 'tt_from_wep', forward, a));
        pass.push(timeRepeated(h, 'tt_from_wep', v6, a));
      }
      return { forwardNs: median(fwd), passNs: median(pass) };
    } finally {
      h.close();
    }
  } finally {
    deleteNetns(ns);
  }
}


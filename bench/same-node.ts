/**
 * Same-node pod-to-pod: (a) a bare veth pair, (b) Calico's kernel-routed path (proxy_arp + /32
 * routes), (c) Tortie (tt_from_wep + bpf_redirect_peer). iperf3 single stream and TCP
 * request/response (both ends on CPU 0), 5 interleaved rounds, medians, ratios; plus ns/packet of
 * local forwarding via BPF_PROG_TEST_RUN. Run: npm run bench:same-node [-- --rounds 5 --seconds 5]
 */
import { native } from '../src/native/index.js';
import { labDown, labUp } from '../src/lab/index.js';
import { addNetns, deleteNetns, inNetns } from '../src/lab/netns.js';
import { forwardingCost } from './lib/forwarding-cost.js';
import { benchOption, cleanupOnSignal, runTrafficBench } from './lib/run.js';
import type { Scenario } from './lib/scenario.js';

const ROUNDS = benchOption('rounds', 5);
const SECONDS = benchOption('seconds', 5);

const bareVeth: Scenario = {
  name: '(a) bare veth pair',
  up() {
    for (const ns of ['tt-bn-a1', 'tt-bn-a2']) addNetns(ns);
    inNetns('tt-bn-a1', ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', 'tt-bn-a2']);
    inNetns('tt-bn-a1', ['ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'eth0']);
    inNetns('tt-bn-a2', ['ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0']);
    for (const ns of ['tt-bn-a1', 'tt-bn-a2']) inNetns(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    return { client: 'tt-bn-a1', server: 'tt-bn-a2', serverIp: '10.99.0.2' };
  },
  down() {
    for (const ns of ['tt-bn-a1', 'tt-bn-a2']) deleteNetns(ns);
  },
};

function labScenario(name: string, lab: string, dataplane: 'tortie' | 'kernel'): Scenario {
  return {
    name,
    up() {
      const { spec } = labUp(native, { name: lab, nodes: 1, podsPerNode: 2, mode: 'none', attachMode: 'auto', dataplane });
      const [a, b] = spec.nodes[0]!.pods;
      return { client: a!.netns, server: b!.netns, serverIp: b!.ip };
    },
    down() {
      labDown(native, lab);
    },
  };
}

async function main(): Promise<void> {
  const log = (l: string) => console.log(l);
  await runTrafficBench({
    title: 'same-node pod to pod',
    scenarios: [bareVeth, labScenario('(b) kernel routing (proxy_arp + /32)', 'bnkern', 'kernel'), labScenario('(c) Tortie', 'bntortie', 'tortie')],
    baselines: [
      { index: 0, label: '(a)' },
      { index: 1, label: '(b)' },
    ],
    rounds: ROUNDS,
    seconds: SECONDS,
    log,
  });
  const cost = forwardingCost();
  log('');
  log(`tt_from_wep local forwarding (BPF_PROG_TEST_RUN, repeat 200, median of 5 x 100 calls): ${cost.forwardNs} ns/packet`);
  log(`tt_from_wep pass-through of an IPv6 frame, same method: ${cost.passNs} ns/packet (forwarding adds ${cost.forwardNs - cost.passNs} ns)`);
}

cleanupOnSignal(() => {
  for (const lab of ['bnkern', 'bntortie']) labDown(native, lab);
  for (const ns of ['tt-bn-a1', 'tt-bn-a2']) deleteNetns(ns);
});
await main();

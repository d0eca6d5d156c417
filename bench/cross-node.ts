/**
 * Cross-node pod-to-pod, same method as same-node.ts: plain kernel routing between the nodes (the
 * baseline), Calico's kernel vxlan.calico on both nodes, and Tortie direct / IPIP / VXLAN. iperf3
 * single stream and TCP request/response (both ends on CPU 0), interleaved rounds, medians, ratios;
 * plus ns/packet of encapsulation and decapsulation. Run: npm run bench:cross-node [-- --rounds 5 --seconds 5]
 */
import { native } from '../src/native/index.js';
import { labDown, labUp } from '../src/lab/index.js';
import type { LabMode, NodeDataplane } from '../src/lab/topology.js';
import { encapCost } from './lib/encap-cost.js';
import { interleave, type Scenario } from './lib/scenario.js';
import { ratioTable } from './lib/stats.js';
import { iperf3, sockperfRr } from './lib/traffic.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('rounds', 5);
const SECONDS = arg('seconds', 5);

function crossNode(name: string, lab: string, mode: LabMode, dataplane: NodeDataplane): Scenario {
  return {
    name,
    up() {
      const { spec } = labUp(native, { name: lab, nodes: 2, podsPerNode: 1, mode, attachMode: 'auto', dataplane });
      const [a, b] = [spec.nodes[0]!.pods[0]!, spec.nodes[1]!.pods[0]!];
      return { client: a.netns, server: b.netns, serverIp: b.ip };
    },
    down() {
      labDown(native, lab);
    },
  };
}

const SCENARIOS = [
  crossNode('kernel routing, no encapsulation', 'bnkr', 'direct', 'kernel'),
  crossNode('kernel vxlan.calico (MTU 1450)', 'bnkv', 'vxlan', 'kernel-vxlan'),
  crossNode('Tortie direct', 'bntd', 'direct', 'tortie'),
  crossNode('Tortie IPIP (MTU 1480)', 'bnti', 'ipip', 'tortie'),
  crossNode('Tortie VXLAN (MTU 1450)', 'bntv', 'vxlan', 'tortie'),
];

async function main(): Promise<void> {
  const log = (l: string) => console.log(l);
  log(`cross-node pod to pod: ${ROUNDS} interleaved rounds, ${SECONDS} s per measurement`);
  const results = await interleave(
    SCENARIOS,
    ROUNDS,
    async (ep) => ({
      gbps: await iperf3(ep.client, ep.server, ep.serverIp, SECONDS),
      rrUs: await sockperfRr(ep.client, ep.server, ep.serverIp, SECONDS),
    }),
    log,
  );
  const series = (key: 'gbps' | 'rrUs') => SCENARIOS.map((s) => ({ name: s.name, values: results.get(s.name)!.map((r) => r[key]) }));
  const baselines = [
    { name: SCENARIOS[0]!.name, label: 'kernel routing' },
    { name: SCENARIOS[1]!.name, label: 'kernel vxlan' },
  ];
  log('');
  for (const l of ratioTable('iperf3 single stream', 'Gbit/s', series('gbps'), baselines, true)) log(l);
  for (const l of ratioTable('TCP request/response, half round trip, same CPU', 'us', series('rrUs'), baselines, false)) log(l);
  const c = encapCost();
  log('');
  log(`BPF_PROG_TEST_RUN, one run per call, median of 3 x 3000 calls (raw / net of a ${c.passNs} ns pass-through):`);
  for (const [what, ns] of [
    ['to another node unencapsulated (tt_from_wep)', c.directNs],
    ['IPIP encapsulation (tt_from_wep)', c.ipipEncapNs],
    ['VXLAN encapsulation (tt_from_wep)', c.vxlanEncapNs],
    ['IPIP decapsulation + delivery (tt_from_hep)', c.ipipDecapNs],
    ['VXLAN decapsulation + delivery (tt_from_hep)', c.vxlanDecapNs],
  ] as const) {
    log(`  ${what.padEnd(46)} ${String(ns).padStart(5)} ns / ${String(ns - c.passNs).padStart(5)} ns`);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const lab of ['bnkr', 'bnkv', 'bntd', 'bnti', 'bntv']) labDown(native, lab);
    process.exit(130);
  });
}
await main();

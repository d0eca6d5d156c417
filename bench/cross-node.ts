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
import { benchOption, cleanupOnSignal, runTrafficBench } from './lib/run.js';
import type { Scenario } from './lib/scenario.js';

const ROUNDS = benchOption('rounds', 5);
const SECONDS = benchOption('seconds', 5);

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

const ALL_SCENARIOS = [
  crossNode('kernel routing, no encapsulation', 'bnkr', 'direct', 'kernel'),
  crossNode('kernel vxlan.calico (MTU 1450)', 'bnkv', 'vxlan', 'kernel-vxlan'),
  crossNode('Tortie direct', 'bntd', 'direct', 'tortie'),
  crossNode('Tortie IPIP (MTU 1480)', 'bnti', 'ipip', 'tortie'),
  crossNode('Tortie VXLAN (MTU 1450)', 'bntv', 'vxlan', 'tortie'),
];

// --only <text>: just the scenarios whose name contains it (the baselines always stay)
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.toLowerCase() : '';
const SCENARIOS = ALL_SCENARIOS.filter((s, i) => i < 2 || s.name.toLowerCase().includes(only));

async function main(): Promise<void> {
  const log = (l: string) => console.log(l);
  await runTrafficBench({
    title: 'cross-node pod to pod',
    scenarios: SCENARIOS,
    baselines: [
      { index: 0, label: 'kernel routing' },
      { index: 1, label: 'kernel vxlan' },
    ],
    rounds: ROUNDS,
    seconds: SECONDS,
    log,
  });
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
  log('Paired: each run right after a pass-through run, median of 6000 differences (raw / net):');
  for (const [what, p] of Object.entries(c.paired)) log(`  ${what.padEnd(46)} ${String(p.rawNs).padStart(5)} ns / ${String(p.netNs).padStart(5)} ns`);
}

cleanupOnSignal(() => {
  for (const lab of ['bnkr', 'bnkv', 'bntd', 'bnti', 'bntv']) labDown(native, lab);
});
await main();

/**
 * Floating IPs: what 1:1 NAT costs a client outside the cluster. One lab (two Tortie nodes, IPIP
 * pool, pod11 with floating IP 172.18.22.113) and a host on the nodes' wire; from that host, in
 * interleaved rounds: (1) the pod by its own IP (route to node1's block via node1), (2) the floating
 * IP via node1, (3) the floating IP via node2, which sends it on to node1 (transit). iperf3 single
 * stream and sockperf TCP request/response (both ends on CPU 0), medians, ratios against (1).
 * Offloads stay at their defaults (the e2e tests are where they are off). natOutgoing stays off: it
 * would masquerade the pod's replies to a client that reached it by its pod IP (see the known bug in
 * test/e2e/floating-ip.test.ts). Run: tsc -p . && node dist/bench/floating-ip.js [--rounds 5 --seconds 5]
 */
import { randomBytes } from 'node:crypto';
import { native } from '../src/native/index.js';
import { labDown, labUp } from '../src/lab/index.js';
import { addOutsideHost, applyOnAllNodes, floatingResourcesYaml, routeFromOutside, type OutsideHost } from '../src/lab/floating.js';
import type { LabNode, LabSpec } from '../src/lab/topology.js';
import { benchOption, cleanupOnSignal } from './lib/run.js';
import { interleave, type Scenario } from './lib/scenario.js';
import { median, ratioTable } from './lib/stats.js';
import { iperf3, sockperfRr } from './lib/traffic.js';

const ROUNDS = benchOption('rounds', 5);
const SECONDS = benchOption('seconds', 5);
const FIP = '172.18.22.113';
const GOAL = 0.95;
const LAB = `bnf${randomBytes(2).toString('hex')}`;

interface Lab {
  spec: LabSpec;
  n1: LabNode;
  n2: LabNode;
  outside: OutsideHost;
}

function buildLab(): Lab {
  const { spec } = labUp(native, { name: LAB, nodes: 2, podsPerNode: 1, mode: 'ipip', attachMode: 'auto' });
  const [n1, n2] = spec.nodes as [LabNode, LabNode];
  const outside = addOutsideHost(spec);
  const pod = n1.pods[0]!;
  applyOnAllNodes(native, spec, floatingResourcesYaml(spec, { floatingIps: { [pod.name]: [FIP] }, natOutgoing: false }));
  routeFromOutside(outside, n1.block, n1);
  routeFromOutside(outside, `${FIP}/32`, n1);
  return { spec, n1, n2, outside };
}

/** A measurement target on the running lab: `up` only points the outside host's route at `via`. */
function target(lab: Lab, name: string, serverIp: string, via: LabNode): Scenario {
  return {
    name,
    up() {
      if (serverIp === FIP) routeFromOutside(lab.outside, `${FIP}/32`, via);
      return { client: lab.outside.netns, server: lab.n1.pods[0]!.netns, serverIp };
    },
    down() {},
  };
}

async function main(): Promise<void> {
  const log = (l: string) => console.log(l);
  const lab = buildLab();
  const podIp = lab.n1.pods[0]!.ip;
  const scenarios = [
    target(lab, `(1) pod IP ${podIp} via node1`, podIp, lab.n1),
    target(lab, `(2) floating IP via node1`, FIP, lab.n1),
    target(lab, `(3) floating IP via node2 (transit)`, FIP, lab.n2),
  ];
  log(`floating IP from a host outside the cluster (IPIP pool): ${ROUNDS} interleaved rounds, ${SECONDS} s per measurement`);
  const results = await interleave(
    scenarios,
    ROUNDS,
    async (ep) => ({
      gbps: await iperf3(ep.client, ep.server, ep.serverIp, SECONDS, podIp),
      rrUs: await sockperfRr(ep.client, ep.server, ep.serverIp, SECONDS, podIp),
    }),
    log,
  );
  const series = (key: 'gbps' | 'rrUs') => scenarios.map((s) => ({ name: s.name, values: results.get(s.name)!.map((r) => r[key]) }));
  const baseline = [{ name: scenarios[0]!.name, label: 'pod IP' }];
  log('');
  for (const l of ratioTable('iperf3 single stream', 'Gbit/s', series('gbps'), baseline, true)) log(l);
  for (const l of ratioTable('TCP request/response, half round trip, same CPU', 'us', series('rrUs'), baseline, false)) log(l);
  const med = (i: number, key: 'gbps' | 'rrUs') => median(results.get(scenarios[i]!.name)!.map((r) => r[key]));
  log('');
  const tput = (i: number) => med(i, 'gbps') / med(0, 'gbps');
  const rr = (i: number) => med(0, 'rrUs') / med(i, 'rrUs');
  const verdict = (r: number) => (r >= GOAL ? 'met' : 'NOT met');
  log(`goal, (2) / (1) >= ${GOAL.toFixed(2)}x: throughput ${tput(1).toFixed(2)}x (${verdict(tput(1))}), request/response ${rr(1).toFixed(2)}x (${verdict(rr(1))})`);
  log(`transit, (3) / (1), one more hop and IPIP (no goal): throughput ${tput(2).toFixed(2)}x, request/response ${rr(2).toFixed(2)}x`);
}

cleanupOnSignal(() => labDown(native, LAB));
try {
  await main();
} finally {
  labDown(native, LAB);
}

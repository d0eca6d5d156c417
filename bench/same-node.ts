/**
 * Same-node pod-to-pod: (a) a bare veth pair, (b) Calico's kernel-routed path (proxy_arp + /32
 * routes), (c) Tortie (tt_from_wep + bpf_redirect_peer). iperf3 single stream and TCP
 * request/response (both ends on CPU 0), 5 interleaved rounds, medians, ratios; plus ns/packet of
 * local forwarding via BPF_PROG_TEST_RUN. Run: npm run bench:same-node [-- --rounds 5 --seconds 5]
 */
import { randomBytes } from 'node:crypto';
import { native } from '../src/native/index.js';
import { labDown, labUp } from '../src/lab/index.js';
import { addNetns, deleteNetns, inNetns } from '../src/lab/netns.js';
import { forwardingCost, forwardingCostLines } from './lib/forwarding-cost.js';
import { benchOption, cleanupOnSignal, runTrafficBench } from './lib/run.js';
import type { Scenario } from './lib/scenario.js';

const ROUNDS = benchOption('rounds', 5);
const SECONDS = benchOption('seconds', 5);

// Every build gets names of its own (run id + build number): a teardown that failed, or another
// run of this script, can never collide with the next build.
const RUN_ID = randomBytes(2).toString('hex');
let builds = 0;
const nextId = () => `${RUN_ID}${(builds++).toString(36)}`;

function bareVeth(): Scenario {
  let current: [string, string] | null = null;
  const scenario: Scenario = {
    name: '(a) bare veth pair',
    up() {
      const id = nextId();
      const [c, s] = (current = [`tt-bn-${id}-a`, `tt-bn-${id}-b`]);
      try {
        addNetns(c);
        addNetns(s);
        inNetns(c, ['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', s]);
        inNetns(c, ['ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'eth0']);
        inNetns(s, ['ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'eth0']);
        for (const ns of [c, s]) inNetns(ns, ['ip', 'link', 'set', 'eth0', 'up']);
      } catch (err) {
        scenario.down();
        throw err;
      }
      return { client: c, server: s, serverIp: '10.99.0.2' };
    },
    down() {
      const names = current;
      current = null;
      for (const ns of names ?? []) deleteNetns(ns);
    },
  };
  return scenario;
}

/** (b) and (c): lab nodes with two pods; `kernel` is Calico's classic dataplane, no BPF. */
function labScenario(name: string, labPrefix: string, dataplane: 'tortie' | 'kernel'): Scenario {
  let current: string | null = null;
  return {
    name,
    up() {
      current = `${labPrefix}${nextId()}`;
      // labUp tears down what it built if it fails.
      const { spec } = labUp(native, { name: current, nodes: 1, podsPerNode: 2, mode: 'none', attachMode: 'auto', dataplane });
      const [a, b] = spec.nodes[0]!.pods;
      return { client: a!.netns, server: b!.netns, serverIp: b!.ip };
    },
    down() {
      const lab = current;
      current = null;
      if (lab) labDown(native, lab);
    },
  };
}

const SCENARIOS = [bareVeth(), labScenario('(b) kernel routing (proxy_arp + /32)', 'bnk', 'kernel'), labScenario('(c) Tortie', 'bnt', 'tortie')];

async function main(): Promise<void> {
  const log = (l: string) => console.log(l);
  await runTrafficBench({
    title: 'same-node pod to pod',
    scenarios: SCENARIOS,
    baselines: [
      { index: 0, label: '(a)' },
      { index: 1, label: '(b)' },
    ],
    rounds: ROUNDS,
    seconds: SECONDS,
    log,
  });
  log('');
  for (const l of forwardingCostLines(forwardingCost())) log(l);
}

cleanupOnSignal(() => {
  for (const s of SCENARIOS) {
    try {
      s.down();
    } catch (err) {
      console.error(`cleanup of ${s.name}: ${String(err)}`);
    }
  }
});
await main();

/**
 * KernelRoutes.sync (src/dataplane/kernel-routes.ts) in a scratch namespace `tt-bn-kr-<random>` whose
 * uplink `up0` (a veth, peer `up0p`) carries 172.16.0.43/12, with one /26 route per remote node and the
 * nodes' IPs in that /12 (on-link next hops), as a 5,000-node cluster gives a node. Measured, per round:
 *   1. the first sync from empty (no Tortie route in the kernel): every route written;
 *   2. one route added (a new node: its path is looked up, one route written), then removed again;
 *   3. a sync with nothing to change.
 * Baselines, by `ip` in the same run: the routes each with its own gateway (as Calico writes them, and as
 * Tortie did before it used next hop objects: a cost that grows with the square of the routes), and the
 * routes through one next hop object per node, as KernelRoutes writes them.
 * The time is what sync() blocks the event loop for. `--ballast-mb N` first fills the JS heap with N MB
 * of live objects, as a daemon holding a large cluster has (forking a big process costs more).
 * Run: npx tsc -p . && node dist/bench/kernel-routes.js [--routes 5000 --rounds 5 --changes 20 --ballast-mb 400]
 *      (root; needs the native addon)
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { KernelRoutes, listKernelRoutes, removeKernelRoutes, type DesiredKernelRoute } from '../src/dataplane/kernel-routes.js';
import { addNetns, deleteNetns, inNetns, withNetns } from '../src/lab/netns.js';
import { native } from '../src/native/index.js';
import { run } from '../src/util/exec.js';

function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${name}`) return Number(args[i + 1]);
    if (a.startsWith(`--${name}=`)) return Number(a.slice(name.length + 3));
  }
  return fallback;
}

const ROUTES = option('routes', 5000);
const ROUNDS = option('rounds', 5);
const CHANGES = option('changes', 20);
const BALLAST_MB = option('ballast-mb', 0);
const UPLINK = 'up0';
const MTU = 1450;

const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const NODE_BASE = (172 << 24) | (16 << 16); // 172.16.0.0/12
const OWN = 43;

/** Node i (skipping our own address) and its /26 in 10.0.0.0/8. */
function route(i: number): DesiredKernelRoute {
  const host = 100 + i + (100 + i >= OWN ? 1 : 0);
  return { cidr: `${dotted((10 << 24) + i * 64)}/26`, via: dotted(NODE_BASE + host), mtu: MTU };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const fmt = (xs: number[]) => `median ${median(xs).toFixed(2)} ms (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function main(): void {
  const ballast: unknown[] = [];
  for (let mb = 0; mb < BALLAST_MB; mb++) ballast.push(Array.from({ length: 16_384 }, (_, i) => ({ i, s: `x${i}` })));
  const ns = `tt-bn-kr-${randomBytes(3).toString('hex')}`;
  const cleanup = () => deleteNetns(ns);
  process.once('SIGINT', () => (cleanup(), process.exit(130)));
  process.once('SIGTERM', () => (cleanup(), process.exit(143)));
  try {
    addNetns(ns);
    inNetns(ns, ['ip', 'link', 'add', UPLINK, 'type', 'veth', 'peer', 'name', `${UPLINK}p`]);
    inNetns(ns, ['ip', 'addr', 'add', `${dotted(NODE_BASE + OWN)}/12`, 'dev', UPLINK]);
    inNetns(ns, ['ip', 'link', 'set', UPLINK, 'up']);
    inNetns(ns, ['ip', 'link', 'set', `${UPLINK}p`, 'up']);
    const desired = Array.from({ length: ROUTES }, (_, i) => route(i));
    const first: number[] = [];
    const add: number[] = [];
    const remove: number[] = [];
    const idle: number[] = [];
    const ipFirst: number[] = [];
    const ipAdd: number[] = [];
    const ipNexthops: number[] = [];
    withNetns(native, ns, () => {
      for (let round = 0; round < ROUNDS; round++) {
        removeKernelRoutes(native);
        const kr = new KernelRoutes(native);
        first.push(time(() => kr.sync(UPLINK, desired)));
        const n = listKernelRoutes(native).length;
        if (n !== ROUTES) throw new Error(`round ${round}: ${n} routes in the kernel, expected ${ROUTES}`);
        for (let c = 0; c < CHANGES; c++) {
          const extra = route(ROUTES + round * CHANGES + c);
          add.push(time(() => kr.sync(UPLINK, [...desired, extra])));
          remove.push(time(() => kr.sync(UPLINK, desired)));
          idle.push(time(() => kr.sync(UPLINK, desired)));
        }
      }
      removeKernelRoutes(native);
      // Baselines: the same writes by `ip` (one `ip -batch` of every route; one `ip route replace`).
      const line = (r: DesiredKernelRoute) => `route replace ${r.cidr} via ${r.via} dev ${UPLINK} onlink mtu ${r.mtu} proto 116`;
      const nexthopLines = (r: DesiredKernelRoute, i: number) => [
        `nexthop add id ${i + 1} via ${r.via} dev ${UPLINK} onlink proto 116`,
        `route replace ${r.cidr} nhid ${i + 1} mtu ${r.mtu} proto 116`,
      ];
      for (let round = 0; round < ROUNDS; round++) {
        ipNexthops.push(time(() => run(['ip', '-batch', '-'], { input: desired.flatMap(nexthopLines).join('\n') + '\n' })));
        removeKernelRoutes(native);
      }
      for (let round = 0; round < ROUNDS; round++) {
        ipFirst.push(time(() => run(['ip', '-batch', '-'], { input: desired.map(line).join('\n') + '\n' })));
        for (let c = 0; c < CHANGES; c++) {
          const extra = route(ROUTES + round * CHANGES + c);
          ipAdd.push(time(() => run(['ip', 'route', 'replace', extra.cidr, 'via', extra.via, 'dev', UPLINK, 'onlink', 'mtu', String(extra.mtu), 'proto', '116'])));
        }
        removeKernelRoutes(native);
      }
    });
    const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
    console.log(`KernelRoutes.sync, ${ROUTES} routes, ${ROUNDS} rounds × ${CHANGES} changes, heap ${heapMb.toFixed(0)} MB`);
    console.log(`  first sync (from empty): ${fmt(first)}`);
    console.log(`  one route added:         ${fmt(add)}`);
    console.log(`  one route removed:       ${fmt(remove)}`);
    console.log(`  nothing to change:       ${fmt(idle)}`);
    console.log(`baseline, the same routes by \`ip\`, each with its own gateway: all in one \`ip -batch\` ${fmt(ipFirst)}; one \`ip route replace\` ${fmt(ipAdd)}`);
    console.log(`baseline, the same routes by \`ip\` through a next hop object each, in one \`ip -batch\`: ${fmt(ipNexthops)}`);
    console.log(
      `  ratios KernelRoutes / ip: first sync ${(median(first) / median(ipFirst)).toFixed(2)}x (own gateways), ` +
        `${(median(first) / median(ipNexthops)).toFixed(2)}x (next hops); one route added ${(median(add) / median(ipAdd)).toFixed(2)}x`,
    );
    if (ballast.length < 0) console.log(ballast); // keep the ballast alive to the end
  } finally {
    cleanup();
  }
}

main();

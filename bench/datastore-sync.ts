/**
 * Issue 6: EtcdDatastore on a large simulated Calico cluster in a private etcd (5,000 nodes with a /26
 * block each, 100,000 WorkloadEndpoints; bench/lib/calico-cluster.ts). The datastore runs as a daemon
 * would, for one node (`nodeName`, node42 by default: other nodes' endpoints are kept slim), in a child
 * process of its own, so its RSS is the daemon side's alone. Measured there:
 *   1. full sync: start() → onSnapshot (connect, list at one revision, decode, validate), in ms, and
 *      the CPU time the datastore process and etcd spent meanwhile (2 cores: together they bound it);
 *   2. put → onUpdate: sequential puts of endpoints spread over nodes and blocks, p50/p99;
 *   3. RSS with the view held (after a second's quiet and a GC) and the peak (VmHWM) since the start.
 * Goals: full sync < 2 s, put → onUpdate p99 < 50 ms, RSS < 300 MB. Baselines from the same run: a raw
 * paged read of the same keys through the etcd3 client (one revision, 5,000 keys a page, values not even
 * looked at: how the datastore read before issue 6), and a bare etcd3 watch receiving the same puts.
 * Run: npx tsc -p . && node dist/bench/datastore-sync.js [--nodes 5000 --weps 100000 --puts 200 --node 42
 *      --full 1]   (--full 1 also syncs without nodeName, every endpoint whole, for comparison)
 * Needs /usr/bin/etcd (scripts/setup.sh installs etcd-server).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Etcd3, Range, type Watcher } from 'etcd3';
import { EtcdDatastore } from '../src/datastore/etcd.js';
import { createEtcdClient } from '../src/datastore/etcd-client.js';
import { WATCHED_PREFIXES } from '../src/datastore/etcd-keys.js';
import type { DatastoreListener } from '../src/datastore/types.js';
import type { Resource } from '../src/model/resources.js';
import { startEtcd, type EtcdServer } from '../test/helpers/etcd.js';
import { nodeName, writeCluster, workloadEndpointJson, workloadEndpointKey, type ClusterSpec } from './lib/calico-cluster.js';
import { benchOption } from './lib/run.js';
import { median, quantile } from './lib/stats.js';

const GOALS = { syncMs: 2_000, p99Ms: 50, rssMb: 300 };

const spec: ClusterSpec = { nodes: benchOption('nodes', 5_000), workloadEndpoints: benchOption('weps', 100_000) };
const PUTS = benchOption('puts', 200);
const NODE = nodeName(benchOption('node', 42));
const log = (line = '') => console.log(line);
const MB = 1024 * 1024;
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

/** What the child process measures (see childMain). */
interface SyncRun {
  nodeName: string | null;
  resources: number;
  /** endpoints of nodeName (kept whole) and of other nodes (slim) in the snapshot */
  localEndpoints: number;
  remoteEndpoints: number;
  slimRemoteEndpoints: number;
  invalid: number;
  syncMs: number;
  /** CPU time during the sync, ms: this process (all its threads) and etcd (NaN if unknown) */
  syncCpuMs: number;
  etcdCpuMs: number;
  rssStart: number;
  rssHeld: number;
  heapHeld: number;
  peakAfterSync: number;
  latencies: number[];
  rawLatencies: number[];
}

// --- the child: one datastore, as a daemon would run it ---------------------------------------------------

const rss = () => process.memoryUsage().rss;
/** VmHWM: the peak RSS of this process so far. */
const peakRss = () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
/** CPU time (user + system) of a process so far, in ms, from /proc; NaN if it cannot be read. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

const gc = () => {
  global.gc?.();
  global.gc?.();
};

async function childMain(endpoint: string, node: string | undefined, etcdPid: number | undefined): Promise<SyncRun> {
  gc();
  const rssStart = rss();
  let snapshot: ReadonlyMap<string, Resource> = new Map();
  let invalid = 0;
  const arrivals = new Map<string, number>();
  const listener: DatastoreListener = {
    onSnapshot: (resources) => (snapshot = resources),
    onUpdate: (update) => {
      const now = performance.now();
      for (const key of update.upserts.keys()) arrivals.set(key, now);
    },
    onInvalid: (error) => {
      if (invalid++ < 5) console.error(`invalid: ${error.message}`);
    },
    onStatus: () => undefined,
  };
  const store = new EtcdDatastore({ endpoints: [endpoint], ...(node === undefined ? {} : { nodeName: node }) });
  const etcdCpuStart = processCpuMs(etcdPid);
  const cpuStart = process.cpuUsage();
  const syncStart = performance.now();
  await store.start(listener);
  const syncMs = performance.now() - syncStart;
  const cpu = process.cpuUsage(cpuStart);
  const syncCpuMs = (cpu.user + cpu.system) / 1000;
  const etcdCpuMs = processCpuMs(etcdPid) - etcdCpuStart;
  const peakAfterSync = peakRss();
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // what the list left in flight settles
  gc();
  const rssHeld = rss();
  const heapHeld = process.memoryUsage().heapUsed;

  let localEndpoints = 0;
  let remoteEndpoints = 0;
  let slimRemoteEndpoints = 0;
  for (const resource of snapshot.values()) {
    if (resource.kind !== 'WorkloadEndpoint') continue;
    if (resource.spec.node === node) localEndpoints++;
    else {
      remoteEndpoints++;
      if (resource.spec.containerID === undefined && resource.metadata.labels === undefined) slimRemoteEndpoints++;
    }
  }

  // put → onUpdate, next to a bare etcd3 watch on the endpoint prefix receiving the same puts
  const client = new Etcd3({ hosts: endpoint });
  const rawArrivals = new Map<string, number>();
  let rawWatcher: Watcher | undefined;
  const latencies: number[] = [];
  const rawLatencies: number[] = [];
  try {
    rawWatcher = await client.watch().prefix(WATCHED_PREFIXES[0]!).create();
    rawWatcher.on('put', (kv) => rawArrivals.set(kv.key.toString(), performance.now()));
    for (let n = 0; n < PUTS; n++) {
      const j = (n * 7919) % spec.workloadEndpoints; // spread over nodes and blocks
      const key = workloadEndpointKey(spec, j);
      arrivals.delete(key);
      rawArrivals.delete(key);
      const value = workloadEndpointJson(spec, j, n + 1);
      const sent = performance.now();
      await client.put(key).value(value);
      const deadline = Date.now() + 5_000;
      while (!(arrivals.has(key) && rawArrivals.has(key))) {
        if (Date.now() > deadline) throw new Error(`no update for ${key} within 5 s`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      latencies.push(arrivals.get(key)! - sent);
      rawLatencies.push(rawArrivals.get(key)! - sent);
    }
  } finally {
    await rawWatcher?.cancel();
    client.close();
    await store.stop();
  }
  return {
    nodeName: node ?? null,
    resources: snapshot.size,
    localEndpoints,
    remoteEndpoints,
    slimRemoteEndpoints,
    invalid,
    syncMs,
    syncCpuMs,
    etcdCpuMs,
    rssStart,
    rssHeld,
    heapHeld,
    peakAfterSync,
    latencies,
    rawLatencies,
  };
}

// --- the parent: etcd, the cluster, the raw read, the report ------------------------------------------------

/**
 * Every key under the watched prefixes at one revision, 5,000 a page, through etcd3's getAll (its own
 * protobuf decoding into objects); the values are not looked at. How EtcdDatastore read before issue 6.
 */
async function rawPagedRead(client: Etcd3): Promise<number> {
  let revision: string | undefined;
  let keys = 0;
  for (const prefix of WATCHED_PREFIXES) {
    const { end } = Range.prefix(prefix);
    let start = Buffer.from(prefix);
    for (;;) {
      const request = client.getAll().inRange({ start, end }).limit(5_000);
      if (revision !== undefined) request.revision(revision);
      const page = await request.exec();
      revision ??= page.header.revision;
      keys += page.kvs.length;
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || last === undefined) break;
      start = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }
  return keys;
}

function runChild(endpoint: string, node: string | undefined, etcdPid: number | undefined): Promise<SyncRun> {
  return new Promise((resolve, reject) => {
    const args = ['--child', endpoint, node ?? '', String(etcdPid ?? ''), ...process.argv.slice(2)];
    const child = fork(fileURLToPath(import.meta.url), args, { execArgv: ['--expose-gc'] });
    const stop = () => child.kill('SIGTERM');
    process.once('SIGINT', stop).once('SIGTERM', stop);
    let result: SyncRun | undefined;
    child.on('message', (message) => (result = message as SyncRun));
    child.once('error', reject);
    child.once('exit', (code) => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      if (result !== undefined) resolve(result);
      else reject(new Error(`the datastore process exited with ${code} before reporting`));
    });
  });
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

function report(run: SyncRun, rawMs: number): void {
  const p50 = quantile(run.latencies, 0.5);
  const p99 = quantile(run.latencies, 0.99);
  const rawP50 = quantile(run.rawLatencies, 0.5);
  const rssHeldMb = run.rssHeld / MB;
  const who = run.nodeName === null ? 'no nodeName: every endpoint kept whole' : `nodeName ${run.nodeName}`;
  const endpoints =
    run.nodeName === null
      ? `${run.localEndpoints + run.remoteEndpoints} endpoints`
      : `endpoints: ${run.localEndpoints} local (whole), ${run.remoteEndpoints} remote (${run.slimRemoteEndpoints} slim)`;
  log(`datastore process (${who}): ${run.resources} resources; ${endpoints}${run.invalid ? `; ${run.invalid} INVALID` : ''}`);
  log(`  full sync (connect + list + decode + validate + onSnapshot): ${ms(run.syncMs)}; ` +
    `${(run.syncMs / rawMs).toFixed(2)}x the raw read (${ms(rawMs)}); ` +
    `CPU meanwhile: datastore process ${ms(run.syncCpuMs)}, etcd ${Number.isNaN(run.etcdCpuMs) ? '?' : ms(run.etcdCpuMs)}`);
  log(`  put -> onUpdate over ${run.latencies.length} sequential puts: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...run.latencies))}; ` +
    `bare etcd3 watch p50 ${ms(rawP50)}, p99 ${ms(quantile(run.rawLatencies, 0.99))}; ` +
    `datastore's own share (median of the differences) ${ms(median(run.latencies.map((l, i) => l - run.rawLatencies[i]!)))}`);
  log(`  RSS: ${mb(run.rssStart)} at start, ${mb(run.rssHeld)} with the view held (heap used ${mb(run.heapHeld)}), ` +
    `peak ${mb(run.peakAfterSync)} during the sync`);
  log();
  log(`  goal                          measured      goal       verdict`);
  log(`  full sync                     ${ms(run.syncMs).padEnd(13)} < ${GOALS.syncMs} ms  ${verdict(run.syncMs < GOALS.syncMs)}`);
  log(`  put -> onUpdate p99           ${ms(p99).padEnd(13)} < ${GOALS.p99Ms} ms    ${verdict(p99 < GOALS.p99Ms)}`);
  log(`  RSS, view held                ${mb(run.rssHeld).padEnd(13)} < ${GOALS.rssMb} MB   ${verdict(rssHeldMb < GOALS.rssMb)}`);
  log(`  RSS, peak during the sync     ${mb(run.peakAfterSync).padEnd(13)} < ${GOALS.rssMb} MB   ${verdict(run.peakAfterSync / MB < GOALS.rssMb)}`);
}

async function main(etcd: EtcdServer): Promise<void> {
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    log(`cluster: ${spec.nodes} nodes, ${spec.nodes} /26 blocks, ${spec.workloadEndpoints} workload endpoints, 1 pool`);
    const written = await writeCluster(client, spec);
    log(
      `load: ${written.keys} keys, ${mb(written.bytes)} in ${written.transactions} txns: ${(written.ms / 1000).toFixed(1)} s ` +
        `(${Math.round(written.keys / (written.ms / 1000))} keys/s)`,
    );
  } finally {
    client.close();
  }

  // Baseline: the raw read, best of two, through a client set up as the datastore's.
  const reader = await createEtcdClient({ endpoints: [etcd.endpoint] });
  const rawTimes: number[] = [];
  let rawKeys = 0;
  for (let i = 0; i < 2; i++) {
    const start = performance.now();
    rawKeys = await rawPagedRead(reader);
    rawTimes.push(performance.now() - start);
  }
  reader.close();
  const rawMs = Math.min(...rawTimes);
  log(`baseline: raw paged read of the ${rawKeys} keys (etcd3 getAll, 5,000 a page): ${rawTimes.map(ms).join(', ')}`);
  log();

  report(await runChild(etcd.endpoint, NODE, etcd.pid), rawMs);
  if (benchOption('full', 0) > 0) {
    log();
    report(await runChild(etcd.endpoint, undefined, etcd.pid), rawMs);
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt > 0) {
  const endpoint = process.argv[childAt + 1]!;
  const node = process.argv[childAt + 2] || undefined;
  const etcdPid = Number(process.argv[childAt + 3]) || undefined;
  const run = await childMain(endpoint, node, etcdPid);
  process.send!(run, () => process.exit(0));
} else {
  const etcd = await startEtcd();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void etcd.cleanup().finally(() => process.exit(130));
    });
  }
  try {
    await main(etcd);
  } finally {
    await etcd.cleanup();
  }
}

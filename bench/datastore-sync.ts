/**
 * EtcdDatastore on a large simulated Calico cluster in a private etcd: how long the first full list
 * (list + decode + validate + onSnapshot) takes, how long a put takes to come out as onUpdate, and the
 * memory it costs. Baselines from the same run: a raw paged range read of the same keys (no decoding),
 * and a bare etcd3 watch on the same prefix receiving the same puts.
 * Run: npx tsc -p . && node --expose-gc dist/bench/datastore-sync.js [--nodes 5000 --weps 100000 --puts 200]
 * (--expose-gc only steadies the RSS figures.) Needs /usr/bin/etcd (scripts/setup.sh installs etcd-server).
 */
import { Etcd3 } from 'etcd3';
import { EtcdDatastore } from '../src/datastore/etcd.js';
import { createEtcdClient } from '../src/datastore/etcd-client.js';
import { WATCHED_PREFIXES } from '../src/datastore/etcd-keys.js';
import { DEFAULT_LIST_PAGE_SIZE, listPrefixes } from '../src/datastore/etcd-list.js';
import type { DatastoreListener } from '../src/datastore/types.js';
import type { Resource } from '../src/model/resources.js';
import { startEtcd, type EtcdServer } from '../test/helpers/etcd.js';
import { writeCluster, workloadEndpointJson, workloadEndpointKey, type ClusterSpec } from './lib/calico-cluster.js';
import { benchOption } from './lib/run.js';
import { median, quantile } from './lib/stats.js';

const spec: ClusterSpec = { nodes: benchOption('nodes', 5_000), workloadEndpoints: benchOption('weps', 100_000) };
const PUTS = benchOption('puts', 200);
const log = (line = '') => console.log(line);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} ms`;

async function main(etcd: EtcdServer): Promise<void> {
  const client = new Etcd3({ hosts: etcd.endpoint });
  try {
    log(`cluster: ${spec.nodes} nodes, ${spec.nodes} /26 blocks, ${spec.workloadEndpoints} workload endpoints, 1 pool`);
    const written = await writeCluster(client, spec);
    log(
      `load: ${written.keys} keys, ${mb(written.bytes)} in ${written.transactions} txns: ${(written.ms / 1000).toFixed(1)} s ` +
        `(${Math.round(written.keys / (written.ms / 1000))} keys/s)`,
    );

    // Baseline 1: the same paged read at one revision, through a client set up as the datastore's, values
    // not even looked at.
    const reader = await createEtcdClient({ endpoints: [etcd.endpoint] });
    global.gc?.();
    const rawStart = performance.now();
    let rawKeys = 0;
    await listPrefixes(reader, WATCHED_PREFIXES, DEFAULT_LIST_PAGE_SIZE, () => rawKeys++);
    const rawMs = performance.now() - rawStart;
    reader.close();

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let snapshot: ReadonlyMap<string, Resource> = new Map();
    const arrivals = new Map<string, number>();
    const listener: DatastoreListener = {
      onSnapshot: (resources) => (snapshot = resources),
      onUpdate: (update) => {
        const now = performance.now();
        for (const key of update.upserts.keys()) arrivals.set(key, now);
      },
      onInvalid: (error) => log(`invalid: ${error.message}`),
      onStatus: () => undefined,
    };
    const store = new EtcdDatastore({ endpoints: [etcd.endpoint] });
    const syncStart = performance.now();
    await store.start(listener);
    const syncMs = performance.now() - syncStart;
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;

    log();
    log(`full sync (list + decode + validate + onSnapshot): ${snapshot.size} resources in ${ms(syncMs)}`);
    log(`  baseline, raw paged read of the same ${rawKeys} keys: ${ms(rawMs)}; sync / raw read = ${(syncMs / rawMs).toFixed(2)}x`);
    log(`  ${(syncMs / (snapshot.size / 1000)).toFixed(2)} ms per 1000 resources`);

    // Baseline 2: a bare etcd3 watch on the endpoint prefix sees the same puts.
    const rawArrivals = new Map<string, number>();
    const rawWatcher = await client.watch().prefix(WATCHED_PREFIXES[0]!).create();
    rawWatcher.on('put', (kv) => rawArrivals.set(kv.key.toString(), performance.now()));

    const latencies: number[] = [];
    const rawLatencies: number[] = [];
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
    await rawWatcher.cancel();
    await store.stop();

    const p50 = quantile(latencies, 0.5);
    const p99 = quantile(latencies, 0.99);
    const rawP50 = quantile(rawLatencies, 0.5);
    log();
    log(`put -> onUpdate over ${PUTS} sequential puts: p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...latencies))}`);
    log(`  baseline, bare etcd3 watch: p50 ${ms(rawP50)}, p99 ${ms(quantile(rawLatencies, 0.99))}; p50 ratio ${(p50 / rawP50).toFixed(2)}x`);
    log(`  datastore's own share (onUpdate - bare watch), median: ${ms(median(latencies.map((l, i) => l - rawLatencies[i]!)))}`);
    log();
    log(`memory: RSS ${mb(rssBefore)} before start, ${mb(rssAfter)} with the view held (+${mb(rssAfter - rssBefore)}); ` +
      `RSS now ${mb(process.memoryUsage().rss)}, heap used ${mb(process.memoryUsage().heapUsed)}`);
  } finally {
    client.close();
  }
}

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

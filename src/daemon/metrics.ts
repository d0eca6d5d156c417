/**
 * Prometheus metrics. Packet counters and map fill levels are read from the pinned maps at scrape
 * time (nothing is polled in between); reconcile and datastore metrics are set as things happen.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { NativeBinding } from '../native/binding.js';
import { REASON_INFO, Reason, type ReasonName } from '../dataplane/abi.js';
import type { ChangeCounts } from '../dataplane/diff.js';
import type { NodeMaps } from '../dataplane/pinned-maps.js';
import type { ReconcileReport } from '../dataplane/reconcile.js';
import type { DatastoreState, DatastoreStatus } from '../datastore/types.js';

const BATCH = 256;
/** enum bpf_map_type values that matter here */
const MapType = { Array: 2, PercpuHash: 5, PercpuArray: 6 } as const;

/** How many entries a map holds, counted with batch lookups (arrays always hold max_entries). */
export function countEntries(native: NativeBinding, fd: number): { entries: number; capacity: number } {
  const info = native.mapInfo(fd);
  if (info.type === MapType.Array || info.type === MapType.PercpuArray) return { entries: info.maxEntries, capacity: info.maxEntries };
  const keys = new Uint8Array(info.keySize * BATCH);
  // per-CPU values come one 8-byte-aligned slot per CPU
  const valueSize = info.type === MapType.PercpuHash ? Math.ceil(info.valueSize / 8) * 8 * native.possibleCpus() : info.valueSize;
  const values = new Uint8Array(valueSize * BATCH);
  let entries = 0;
  let cursor: Uint8Array | null = null;
  do {
    const res = native.mapLookupBatch(fd, cursor, keys, values, BATCH);
    entries += res.count;
    cursor = res.next;
  } while (cursor);
  return { entries, capacity: info.maxEntries };
}

const DATASTORE_STATES: DatastoreState[] = ['connecting', 'in-sync', 'disconnected'];

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly reconcileDuration: Histogram<'trigger'>;
  private readonly reconcileChanges: Counter<'table' | 'op'>;
  private readonly reconcileErrors: Counter;
  private readonly datastoreState: Gauge<'state'>;
  private readonly datastoreLastSync: Gauge;
  private readonly ready: Gauge;
  private readonly readySeconds: Gauge;

  /** @param maps read at scrape time; null until the dataplane is loaded */
  constructor(native: NativeBinding, maps: () => NodeMaps | null) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tortie_' });
    const registers = [this.registry];
    new Counter({
      name: 'tortie_packets_total',
      help: 'Packets (and NAT translations) by the reason the BPF programs counted them under, summed over CPUs',
      labelNames: ['reason', 'category'],
      registers,
      collect() {
        const m = maps();
        if (!m) return;
        this.reset();
        for (const [name, id] of Object.entries(Reason)) {
          const perCpu = m.counters.lookup(id) ?? [];
          const total = perCpu.reduce((a, b) => a + b, 0n);
          this.inc({ reason: name, category: REASON_INFO[name as ReasonName].category }, Number(total));
        }
      },
    });
    const mapGauges = (name: string, help: string, pick: 'entries' | 'capacity') =>
      new Gauge({
        name,
        help,
        labelNames: ['map'],
        registers,
        collect() {
          const m = maps();
          if (!m) return;
          for (const map of [m.endpoints, m.routes, m.neigh, m.nat, m.natCt, m.ifstate, m.fwdCache, m.counters, m.epoch]) {
            this.set({ map: map.def.name }, countEntries(native, map.fd)[pick]);
          }
        },
      });
    mapGauges('tortie_map_entries', 'Entries a pinned BPF map holds now', 'entries');
    mapGauges('tortie_map_capacity', 'Capacity (max_entries) of a pinned BPF map', 'capacity');
    this.reconcileDuration = new Histogram({
      name: 'tortie_reconcile_duration_seconds',
      help: 'Time to recalculate the desired state and write the difference',
      labelNames: ['trigger'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.reconcileChanges = new Counter({
      name: 'tortie_reconcile_changes_total',
      help: 'Entries written or removed by reconciliation',
      labelNames: ['table', 'op'],
      registers,
    });
    this.reconcileErrors = new Counter({ name: 'tortie_reconcile_errors_total', help: 'Reconcile passes that failed (retried)', registers });
    this.datastoreState = new Gauge({
      name: 'tortie_datastore_state',
      help: '1 for the datastore connection state the daemon is in (connecting, in-sync, disconnected)',
      labelNames: ['state'],
      registers,
    });
    this.datastoreLastSync = new Gauge({
      name: 'tortie_datastore_last_sync_timestamp_seconds',
      help: 'When the daemon’s view last matched the datastore (Unix time)',
      registers,
    });
    this.ready = new Gauge({ name: 'tortie_ready', help: '1 once the first full datastore sync is applied', registers });
    this.readySeconds = new Gauge({
      name: 'tortie_ready_seconds',
      help: 'Seconds from the process start to the first full datastore sync applied (0 until then)',
      registers,
    });
    this.setDatastoreStatus({ state: 'connecting', lastSync: null });
    this.ready.set(0);
    this.readySeconds.set(0);
  }

  observeReconcile(trigger: string, seconds: number, report: ReconcileReport): void {
    this.reconcileDuration.observe({ trigger }, seconds);
    const tables: Array<[string, ChangeCounts | null]> = [
      ['endpoints', report.endpoints],
      ['nat', report.nat],
      ['routes', report.routes],
      ['vteps', report.vteps],
      ['kernel_routes', report.kernelRoutes],
    ];
    for (const [table, c] of tables) {
      if (!c) continue;
      for (const op of ['added', 'changed', 'removed'] as const) if (c[op] > 0) this.reconcileChanges.inc({ table, op }, c[op]);
    }
  }

  reconcileFailed(): void {
    this.reconcileErrors.inc();
  }

  setDatastoreStatus(status: DatastoreStatus): void {
    for (const state of DATASTORE_STATES) this.datastoreState.set({ state }, state === status.state ? 1 : 0);
    if (status.lastSync) this.datastoreLastSync.set(status.lastSync.getTime() / 1000);
  }

  /** @param sinceStartSeconds how long the process took to get there */
  setReady(sinceStartSeconds: number): void {
    this.ready.set(1);
    this.readySeconds.set(sinceStartSeconds);
  }
}

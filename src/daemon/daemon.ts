/**
 * `tortie daemon`: load the dataplane (reusing pins: a restart or upgrade is hitless), follow a
 * datastore, and keep the maps equal to what the cluster's resources say — recalculated (pure) after
 * every change, debounced, and written as a difference. Link events attach new workload interfaces;
 * the neighbour mirror runs in-process. Losing the datastore changes nothing in the dataplane; the
 * next snapshot is reconciled. Stopping leaves the dataplane loaded and forwarding.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { LinkWatcher, NativeBinding } from '../native/binding.js';
import { ClusterIndex } from '../calc/cluster-index.js';
import { calcDesiredStateOf } from '../calc/desired.js';
import { RouteMemory } from '../calc/routes.js';
import { endpointsMap } from '../dataplane/maps/index.js';
import { loadNode, type LoadReport } from '../dataplane/node.js';
import { mapPinPath, openNodeMaps, type NodeMaps } from '../dataplane/pinned-maps.js';
import { Reconciler, since, uplinkMtuOf, type ReconcileReport } from '../dataplane/reconcile.js';
import { createDatastore } from '../datastore/index.js';
import type { Datastore, DatastoreListener, DatastoreStatus, DatastoreUpdate } from '../datastore/types.js';
import type { Resource, ResourceError } from '../model/resources.js';
import type { DaemonConfig } from './config.js';
import { startHttp, stopHttp } from './http.js';
import { WorkloadLinks } from './links.js';
import type { Logger } from './log.js';
import { DaemonMetrics } from './metrics.js';
import { NeighbourMirror } from './neigh-mirror.js';
import { resolveUplink } from './uplink.js';

const RETRY_MS = 1000;

export interface DaemonDeps {
  native: NativeBinding;
  log: Logger;
  /** defaults to createDatastore(config.datastore) */
  datastore?: Datastore;
}

export class Daemon {
  private readonly native: NativeBinding;
  private readonly log: Logger;
  private readonly datastore: Datastore;
  private readonly reconciler: Reconciler;
  readonly metrics: DaemonMetrics;
  private maps: NodeMaps | null = null;
  private http: Server | null = null;
  private linkWatcher: LinkWatcher | null = null;
  private mirror: NeighbourMirror | null = null;
  private readonly index: ClusterIndex;
  /** the route table carried from pass to pass (calc/routes.ts) */
  private readonly routeMemory = new RouteMemory();
  private synced = false;
  private ready = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  /** performance.now() when the last reconcile pass started (-Infinity: none yet) */
  private lastPassAt = -Infinity;
  private lastPassMs = 0;
  private uplinkIfindex = 0;
  /** read once (it costs an `ip` process), and again after a link event for the uplink; null: not known */
  private uplinkMtu: number | null = null;
  private readonly triggers = new Set<string>();
  private lastWarnings = new Set<string>();

  constructor(private readonly config: DaemonConfig, deps: DaemonDeps) {
    this.native = deps.native;
    this.log = deps.log;
    this.datastore = deps.datastore ?? createDatastore(config.datastore, { nodeName: config.nodeName });
    this.reconciler = new Reconciler(this.native);
    this.index = new ClusterIndex(config.nodeName);
    this.metrics = new DaemonMetrics(this.native, () => this.maps);
  }

  async start(): Promise<void> {
    const { config, log } = this;
    log.info('starting', { nodeName: config.nodeName, uplink: config.uplink, pinDir: config.pinDir, datastore: config.datastore.type, listen: config.listen });
    // The full list goes out first and is read while the dataplane loads; its callbacks cannot run
    // before the maps are open (loading is synchronous), and a pass waits for `synced` anyway.
    const started = this.datastore.start(this.listener());
    started.catch(() => undefined); // awaited below
    let loaded: LoadReport;
    try {
      loaded = this.load();
      this.maps = openNodeMaps(this.native, config.pinDir);
    } catch (err) {
      await this.datastore.stop().catch(() => undefined);
      throw err;
    }
    this.uplinkIfindex = loaded.config.uplinkIfindex;
    this.http = await startHttp(config.listen, this.metrics.registry, {
      unhealthy: () => this.unhealthy(),
      notReady: () => (this.ready ? null : `waiting for the first full sync from the ${config.datastore.type} datastore`),
    });
    log.info('serving metrics and health', { listen: config.listen });
    this.watchLinks();
    if (loaded.config.uplinkIfindex !== 0) {
      this.mirror = new NeighbourMirror(this.native, this.maps, loaded.config.uplinkIfindex, log);
      this.mirror.start();
    }
    this.resyncTimer = setInterval(() => {
      this.reconciler.resync();
      this.schedule('resync');
    }, config.resyncMs).unref();
    await started;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.linkWatcher?.close();
    this.mirror?.stop();
    await this.datastore.stop().catch((err: unknown) => this.log.warn('datastore did not stop cleanly', { error: err }));
    if (this.http) await stopHttp(this.http);
    this.maps?.close();
    this.maps = null;
    this.log.info('stopped; the dataplane stays loaded and keeps forwarding');
  }

  /** Pins are reused and programs replaced in place: hitless on a running node. */
  private load(): LoadReport {
    const c = this.config;
    const uplink = resolveUplink(c.uplink);
    const report = loadNode(this.native, {
      pinDir: c.pinDir,
      uplink,
      attachMode: c.attachMode,
      expediteRcu: c.expediteRcu,
      objectPath: c.bpfObject,
      nodeName: c.nodeName,
      vtepMac: c.vtepMac,
      vxlanVni: c.vxlanVni,
      vxlanPort: c.vxlanPort,
    });
    this.log.info('dataplane loaded', {
      reusedMaps: report.reusedMaps,
      attached: report.attached.map((a) => `${a.ifname}:${a.hook}:${a.mode}:${a.replaced ? 'replaced' : 'attached'}`),
      pruned: report.pruned,
      migrated: report.migrated,
    });
    return report;
  }

  private unhealthy(): string | null {
    if (!this.maps) return 'dataplane not loaded';
    if (!existsSync(mapPinPath(this.config.pinDir, endpointsMap))) return `pinned maps are gone from ${this.config.pinDir}`;
    return null;
  }

  private watchLinks(): void {
    const links = new WorkloadLinks(this.native, this.config.pinDir, this.config.attachMode, this.config.expediteRcu, this.maps!, this.log);
    const onChanges = (c: { attached: string[]; forgotten: string[] }) => {
      if (c.attached.length > 0 || c.forgotten.length > 0) this.reconcileNow('link');
    };
    this.linkWatcher = this.native.linkWatch((events, info) => {
      if (this.stopped) return;
      if (info.error) {
        this.log.warn('link watch failed; reopening', { error: info.error });
        setTimeout(() => !this.stopped && this.watchLinks(), RETRY_MS).unref();
        return;
      }
      if (info.overrun || events.some((e) => e.ifindex === this.uplinkIfindex)) {
        // The uplink changed (its MTU, say): remote routes' MTUs are computed from it, and the kernel
        // may have dropped or changed the host's routes through it.
        this.uplinkMtu = null;
        this.reconciler.forgetHostRoutes();
        this.schedule('uplink');
      }
      onChanges(info.overrun ? links.resync() : links.onEvents(events));
    });
    // Interfaces that appeared between load and the subscription.
    onChanges(links.resync());
  }

  private listener(): DatastoreListener {
    return {
      onSnapshot: (resources: ReadonlyMap<string, Resource>) => {
        this.index.reset(resources);
        this.synced = true;
        this.log.info('datastore snapshot', { resources: resources.size });
        this.schedule('snapshot');
      },
      onUpdate: (update: DatastoreUpdate) => {
        for (const key of update.deletes) this.index.delete(key);
        for (const [key, r] of update.upserts) this.index.upsert(key, r);
        const sample = (keys: readonly string[]) => (keys.length > 20 ? [...keys.slice(0, 20), `… ${keys.length - 20} more`] : keys);
        this.log.debug('datastore update', { upserts: sample([...update.upserts.keys()]), deletes: sample(update.deletes) });
        this.schedule('update');
      },
      onInvalid: (error: ResourceError) => {
        const key = error.document === undefined ? error.source : `${error.source}[${error.document}${error.item === undefined ? '' : `.${error.item}`}]`;
        this.log.warn('invalid resource skipped', { key, kind: error.kind, namespace: error.namespace, name: error.name, issues: error.issues });
      },
      onStatus: (status: DatastoreStatus) => {
        this.metrics.setDatastoreStatus(status);
        const level = status.state === 'disconnected' ? 'warn' : 'info';
        this.log[level]('datastore state', { state: status.state, lastSync: status.lastSync?.toISOString() ?? null, revision: status.revision });
      },
    };
  }

  /**
   * Datastore changes come in bursts: at most one pass per debounceMs, or per the last pass's duration
   * if that was longer (so passes take at most half the time while a burst lasts). A change after a
   * quiet spell goes at once (on the next turn of the event loop, so what arrived together is one
   * pass); changes soon after a pass started wait and then go together.
   */
  private schedule(trigger: string, delayMs?: number): void {
    this.triggers.add(trigger);
    if (this.timer || this.stopped) return;
    const gap = Math.max(this.config.debounceMs, this.lastPassMs);
    const wait = delayMs ?? Math.max(0, this.lastPassAt + gap - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reconcileNow([...this.triggers].join('+'));
    }, wait);
  }

  private reconcileNow(trigger: string): void {
    if (this.stopped || !this.maps) return;
    if (!this.synced) return; // nothing to compare with yet: leave the maps as they are
    this.triggers.clear();
    this.lastPassAt = performance.now();
    const started = process.hrtime.bigint();
    let report: ReconcileReport;
    let calcMs = 0;
    try {
      this.uplinkMtu ??= uplinkMtuOf(this.maps);
      const calcStart = performance.now();
      const desired = calcDesiredStateOf(this.index.split(), { nodeName: this.config.nodeName, uplinkMtu: this.uplinkMtu }, this.routeMemory);
      calcMs = since(calcStart);
      report = this.reconciler.reconcile(this.maps, desired, { pinDir: this.config.pinDir, attachMode: this.config.attachMode, expediteRcu: this.config.expediteRcu, scope: { endpoints: 'all', cluster: true } });
      report.warnings.unshift(...desired.warnings);
    } catch (err) {
      this.metrics.reconcileFailed();
      this.log.error('reconcile failed; retrying', { trigger, error: err, retryMs: RETRY_MS });
      this.schedule('retry', RETRY_MS);
      return;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.lastPassMs = seconds * 1000;
    this.metrics.observeReconcile(trigger.split('+')[0]!, seconds, report);
    this.logReconcile(trigger, seconds, calcMs, report);
    if (!this.ready && this.datastore.status().state !== 'connecting') {
      this.ready = true;
      const sinceStartMs = Math.round(performance.now()); // performance's time origin is the process start
      this.metrics.setReady(sinceStartMs / 1000);
      this.log.info('ready: first full sync applied', { sinceStartMs });
    }
  }

  private logReconcile(trigger: string, seconds: number, calcMs: number, r: ReconcileReport): void {
    const changed = [r.endpoints, r.nat, r.routes, r.vteps, r.kernelRoutes].some((c) => c && c.added + c.changed + c.removed > 0);
    const fields = {
      trigger,
      durationMs: Math.round(seconds * 1e6) / 1e3,
      ms: { calc: calcMs, ...r.ms },
      endpoints: r.endpoints,
      nat: r.nat,
      routes: r.routes,
      vteps: r.vteps,
      kernelRoutes: r.kernelRoutes,
      natOutgoing: r.natOutgoing,
      attached: r.attached,
      pending: r.pending.map((p) => `${p.name} (${p.ifname})`),
    };
    this.log[changed || r.attached.length > 0 ? 'info' : 'debug']('reconciled', fields);
    const warnings = new Set(r.warnings);
    for (const w of warnings) if (!this.lastWarnings.has(w)) this.log.warn('desired state warning', { warning: w });
    this.lastWarnings = warnings;
  }
}

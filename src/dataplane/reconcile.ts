/**
 * Makes the pinned maps (and the host's routes and nftables table) hold the desired state by
 * changing only the difference: read what is there, diff (dataplane/diff.ts), write with batch
 * updates and deletes. Nothing is ever flushed, so a daemon restart or a re-apply changes nothing
 * that is already right and forwarding never sees a gap. Entries we don't own stay untouched.
 */
import type { NativeBinding } from '../native/binding.js';
import type { DesiredState } from '../calc/desired.js';
import type { AttachModeOption } from './attach.js';
import type { RouteEntry, VtepEntry } from '../calc/routes.js';
import type { NeighKeyValue, NeighValue, RouteKeyValue, RouteValue } from './abi.js';
import { codecEqual } from './codec-equal.js';
import { diffTable, type ChangeCounts } from './diff.js';
import {
  endpointEntries,
  keyOf,
  natEntries,
  owns,
  routeEntry,
  vtepEntry,
  type PlacedEndpoint,
} from './desired-entries.js';
import { KernelRoutes } from './kernel-routes.js';
import { linkInfoOf } from './interfaces.js';
import { syncNatOutgoing } from './nat-outgoing.js';
import { FollowedTable } from './followed-table.js';
import { neighMap, routesMap } from './maps/index.js';
import { applyDiff } from './typed-map.js';
import { attachWorkload, uplinkOf } from './node.js';
import type { NodeMaps } from './pinned-maps.js';

export interface ReconcileScope {
  /**
   * 'all': every endpoint and floating-IP entry is ours (the daemon, which sees the whole cluster).
   * 'named': only the interfaces and pod IPs of the desired endpoints (`tortie apply -f` of a file).
   */
  endpoints: 'all' | 'named';
  /** routes, VTEP MACs, kernel routes and natOutgoing: reconciled, or left as they are */
  cluster: boolean;
}

export interface ReconcileReport {
  endpoints: ChangeCounts;
  nat: ChangeCounts;
  /** null: not reconciled (scope.cluster false) */
  routes: ChangeCounts | null;
  vteps: ChangeCounts | null;
  /** null: not reconciled, or nothing to change */
  kernelRoutes: ChangeCounts | null;
  /** whether the masquerade table is in place; null when not touched */
  natOutgoing: boolean | null;
  placed: PlacedEndpoint[];
  /** pod IPs whose endpoint entries were removed */
  removedEndpointIps: string[];
  pending: Array<{ name: string; ifname: string }>;
  /** interfaces that got the workload programs during this pass */
  attached: string[];
  warnings: string[];
  /** milliseconds each part took: endpoints (and NAT), routes + VTEPs, kernel routes, natOutgoing */
  ms: { endpoints: number; maps: number; kernelRoutes: number; natOutgoing: number };
}

/** Milliseconds since `t` (a performance.now()), to the microsecond: the parts of a pass in its log line. */
export const since = (t: number) => Math.round((performance.now() - t) * 1000) / 1000;

export interface ReconcileOptions {
  pinDir: string;
  attachMode: AttachModeOption;
  /** expedited RCU grace periods while attaching (rcu.ts); default true */
  expediteRcu?: boolean;
  scope: ReconcileScope;
}

/**
 * One per writer. It remembers what it last wrote to the kernel's routes and nftables (each costs
 * process spawns), so that a daemon only rewrites what changes; maps are always diffed against what
 * they hold.
 */
export class Reconciler {
  private readonly kernelRoutes: KernelRoutes;
  private natOutgoingWritten: string | null = null;
  /** Reading an LPM trie of 10,000 routes costs ~7 ms, more than the rest of a daemon pass: followed. */
  private readonly routes = new FollowedTable<RouteEntry, RouteKeyValue, RouteValue>(routesMap, routeEntry);
  private readonly vteps = new FollowedTable<VtepEntry, NeighKeyValue, NeighValue>(neighMap, vtepEntry);

  constructor(private readonly native: NativeBinding) {
    this.kernelRoutes = new KernelRoutes(native);
  }

  reconcile(maps: NodeMaps, desired: DesiredState, opts: ReconcileOptions): ReconcileReport {
    const report: ReconcileReport = {
      endpoints: { added: 0, changed: 0, removed: 0 },
      nat: { added: 0, changed: 0, removed: 0 },
      routes: null,
      vteps: null,
      kernelRoutes: null,
      natOutgoing: null,
      placed: [],
      removedEndpointIps: [],
      pending: [],
      attached: [],
      warnings: [],
      ms: { endpoints: 0, maps: 0, kernelRoutes: 0, natOutgoing: 0 },
    };
    const t = performance.now();
    this.reconcileEndpoints(maps, desired, opts, report);
    report.ms.endpoints = since(t);
    if (opts.scope.cluster) this.reconcileCluster(maps, desired, report);
    return report;
  }

  private reconcileEndpoints(maps: NodeMaps, desired: DesiredState, opts: ReconcileOptions, report: ReconcileReport): void {
    const current = maps.endpoints.entries();
    const byIp = new Map(current.map(([k, v]) => [k.addr, v] as const));
    const eps = endpointEntries(desired.endpoints, (name) => this.native.ifNameToIndex(name), byIp);
    report.placed = eps.placed;
    report.pending = eps.pending;

    // Interfaces the programs are not on yet (link events normally got there first).
    for (const p of eps.placed) {
      if (maps.ifstate.lookup(p.ifindex)?.name === p.ifname) continue;
      try {
        attachWorkload(this.native, opts.pinDir, p.ifname, opts.attachMode, { expediteRcu: opts.expediteRcu });
        report.attached.push(p.ifname);
      } catch (err) {
        report.warnings.push(`cannot attach to ${p.ifname} (endpoint ${p.name}): ${(err as Error).message}`);
      }
    }

    const named = opts.scope.endpoints === 'named';
    const scopeIps = new Set(desired.endpoints.flatMap((e) => e.ips));
    const ownsEndpoint = named ? owns.endpointIn(new Set(eps.placed.map((p) => p.ifindex)), scopeIps) : owns.all;
    const epDiff = diffTable(eps.entries, current, { keyOf: keyOf.endpoint, equal: codecEqual(maps.endpoints.def.value), owns: ownsEndpoint });
    report.endpoints = applyDiff(maps.endpoints, epDiff);
    report.removedEndpointIps = epDiff.remove.map((k) => k.addr);

    // Floating IPs describe the pod, not its interface: they stay while the interface is missing.
    const natDesired = natEntries(desired.nat);
    const natScope = named ? owns.natOf(scopeIps) : owns.all;
    const natDiff = diffTable(natDesired, maps.nat.entries(), { keyOf: keyOf.nat, equal: codecEqual(maps.nat.def.value), owns: natScope });
    report.nat = applyDiff(maps.nat, natDiff);
  }

  /** Thousands of routes and VTEPs: followed between passes (followed-table.ts). */
  private reconcileCluster(maps: NodeMaps, desired: DesiredState, report: ReconcileReport): void {
    let t = performance.now();
    report.routes = this.routes.reconcile(this.native, maps.routes, desired.routes, owns.all);
    report.vteps = this.vteps.reconcile(this.native, maps.neigh, desired.vteps, owns.vtep);
    report.ms.maps = since(t);
    t = performance.now();
    this.reconcileKernelRoutes(maps, desired, report);
    report.ms.kernelRoutes = since(t);
    t = performance.now();
    this.reconcileNatOutgoing(desired, report);
    report.ms.natOutgoing = since(t);
  }

  private reconcileKernelRoutes(maps: NodeMaps, desired: DesiredState, report: ReconcileReport): void {
    const uplink = uplinkOf(maps)?.name ?? null;
    if (!uplink && desired.kernelRoutes.length > 0) {
      report.warnings.push('no uplink loaded (tortie load --uplink IF): the host cannot reach remote pods');
    }
    // Pending routes are retried on the next pass (an interface may appear).
    const { pending, ...counts } = this.kernelRoutes.sync(uplink, desired.kernelRoutes, desired.localNatKernelRoutes);
    if (counts.added + counts.changed + counts.removed > 0) report.kernelRoutes = counts;
    for (const p of pending) report.warnings.push(`floating IP route not written yet (interface missing?): ${p}`);
  }

  /** The host's routes may have been changed behind our back (the uplink went down, say): read them again next pass. */
  forgetHostRoutes(): void {
    this.kernelRoutes.forget();
  }

  /**
   * The next pass reads tt_routes, tt_neigh and the kernel's routes again instead of following what this
   * Reconciler wrote: the daemon's periodic resync, which repairs changes made behind its back.
   */
  resync(): void {
    this.routes.resync();
    this.vteps.resync();
    this.kernelRoutes.forget();
  }

  private reconcileNatOutgoing(desired: DesiredState, report: ReconcileReport): void {
    const fingerprint = JSON.stringify(desired.natOutgoing);
    if (fingerprint === this.natOutgoingWritten) return;
    report.natOutgoing = syncNatOutgoing(desired.natOutgoing).enabled;
    this.natOutgoingWritten = fingerprint;
  }
}

/** The MTU the host's routes to remote pods are computed from. */
export function uplinkMtuOf(maps: NodeMaps): number {
  const uplink = uplinkOf(maps);
  return uplink ? linkInfoOf(uplink.name).mtu : 1500;
}

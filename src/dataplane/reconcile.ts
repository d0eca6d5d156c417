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
import { decode, encode } from './codec.js';
import { codecEqual } from './codec-equal.js';
import { countChanges, diffEncoded, diffTable, type ChangeCounts, type EncodedEntry, type TableDiff } from './diff.js';
import {
  endpointEntries,
  entrySource,
  keyOf,
  natEntries,
  owns,
  routeEntry,
  vtepEntry,
  type Entry,
  type EntrySource,
  type PlacedEndpoint,
} from './desired-entries.js';
import { KernelRoutes } from './kernel-routes.js';
import { linkInfoOf } from './interfaces.js';
import { syncNatOutgoing } from './nat-outgoing.js';
import { attachWorkload, uplinkOf } from './node.js';
import type { NodeMaps } from './pinned-maps.js';
import type { MapDef, TypedMap } from './typed-map.js';

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
}

export interface ReconcileOptions {
  pinDir: string;
  attachMode: AttachModeOption;
  /** expedited RCU grace periods while attaching (rcu.ts); default true */
  expediteRcu?: boolean;
  scope: ReconcileScope;
}

/** Adds/changes first, then removes, so a replaced entry never leaves a gap. */
function applyDiff<K, V>(map: TypedMap<K, V>, diff: TableDiff<K, V>): ChangeCounts {
  map.updateMany([...diff.add, ...diff.change]);
  map.deleteMany(diff.remove);
  return countChanges(diff);
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/**
 * The encodings of desired entries, kept from one pass to the next: a daemon pass after one change in a
 * 5,000-node cluster asks for the same 10,000 routes and 5,000 VTEPs as the pass before, and encoding
 * them all again would cost more than the rest of the pass. What a pass did not ask for is dropped.
 */
class EncodingCache<T, K, V> {
  private readonly cache = new Map<string, { item: T; pass: number; entry: EncodedEntry<K, V> }>();
  private pass = 0;

  constructor(
    private readonly def: MapDef<K, V>,
    private readonly source: EntrySource<T>,
    private readonly entryOf: (item: T) => Entry<K, V>,
  ) {}

  encode(items: readonly T[]): Array<EncodedEntry<K, V>> {
    const pass = ++this.pass;
    const out: Array<EncodedEntry<K, V>> = [];
    for (const item of items) {
      const id = this.source.id(item);
      let hit = this.cache.get(id);
      if (!hit || !this.source.same(hit.item, item)) {
        // A second, different item for one key in this pass: encoded but not kept (the diff takes the first).
        if (hit?.pass === pass) {
          out.push(this.encodeOne(item));
          continue;
        }
        hit = { item, pass, entry: this.encodeOne(item) };
        this.cache.set(id, hit);
      }
      hit.pass = pass;
      out.push(hit.entry);
    }
    if (this.cache.size > items.length) for (const [id, c] of this.cache) if (c.pass !== pass) this.cache.delete(id);
    return out;
  }

  private encodeOne(item: T): EncodedEntry<K, V> {
    const [key, value] = this.entryOf(item);
    return { key, value, keyBytes: latin1(encode(this.def.key, key)), valueBytes: latin1(encode(this.def.value, value)) };
  }
}

const RAW_BATCH = 1024;

/** What a map holds, undecoded: key bytes → value bytes (latin1 strings), read with batch lookups. */
function rawEntries<K, V>(native: NativeBinding, map: TypedMap<K, V>): Map<string, string> {
  const [ks, vs] = [map.def.key.size, map.def.value.size];
  const keys = Buffer.alloc(ks * RAW_BATCH);
  const values = Buffer.alloc(vs * RAW_BATCH);
  const out = new Map<string, string>();
  let cursor: Uint8Array | null = null;
  do {
    const res = native.mapLookupBatch(map.fd, cursor, keys, values, RAW_BATCH);
    // One conversion per batch, then slices: far cheaper than a Buffer call per entry.
    const [k, v] = [keys.toString('latin1', 0, res.count * ks), values.toString('latin1', 0, res.count * vs)];
    for (let i = 0; i < res.count; i++) out.set(k.slice(i * ks, (i + 1) * ks), v.slice(i * vs, (i + 1) * vs));
    cursor = res.next;
  } while (cursor);
  return out;
}

function decodeRaw<K, V>(def: MapDef<K, V>): (keyBytes: string, valueBytes: string) => [K, V] {
  return (k, v) => [decode(def.key, Buffer.from(k, 'latin1')), decode(def.value, Buffer.from(v, 'latin1'))];
}

/**
 * One per writer. It remembers what it last wrote to the kernel's routes and nftables (each costs
 * process spawns), so that a daemon only rewrites what changes; maps are always diffed against what
 * they hold.
 */
export class Reconciler {
  private readonly kernelRoutes: KernelRoutes;
  private natOutgoingWritten: string | null = null;
  private routeCodes: EncodingCache<RouteEntry, RouteKeyValue, RouteValue> | null = null;
  /**
   * What tt_routes holds (key bytes → value bytes), as this Reconciler last read and then wrote it:
   * reading an LPM trie of 10,000 routes costs ~7 ms, more than the rest of a daemon pass. null: read
   * the map on the next pass (the first, after a failed write, after resync()).
   */
  private routesHeld: Map<string, string> | null = null;
  private vtepCodes: EncodingCache<VtepEntry, NeighKeyValue, NeighValue> | null = null;

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
    };
    this.reconcileEndpoints(maps, desired, opts, report);
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

  /** Thousands of routes and VTEPs: diffed in the kernel's encoding (see EncodingCache). */
  private reconcileCluster(maps: NodeMaps, desired: DesiredState, report: ReconcileReport): void {
    this.routeCodes ??= new EncodingCache(maps.routes.def, entrySource.route, routeEntry);
    const held = this.routesHeld ?? rawEntries(this.native, maps.routes);
    this.routesHeld = null; // unknown until the write is done
    const routeDiff = diffEncoded(this.routeCodes.encode(desired.routes), held, decodeRaw(maps.routes.def), owns.all);
    report.routes = applyDiff(maps.routes, routeDiff);
    for (const e of routeDiff.written) held.set(e.keyBytes, e.valueBytes);
    for (const k of routeDiff.removedBytes) held.delete(k);
    this.routesHeld = held;

    this.vtepCodes ??= new EncodingCache(maps.neigh.def, entrySource.vtep, vtepEntry);
    const vtepDiff = diffEncoded(this.vtepCodes.encode(desired.vteps), rawEntries(this.native, maps.neigh), decodeRaw(maps.neigh.def), owns.vtep);
    report.vteps = applyDiff(maps.neigh, vtepDiff);

    this.reconcileKernelRoutes(maps, desired, report);
    this.reconcileNatOutgoing(desired, report);
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
   * The next pass reads tt_routes and the kernel's routes again instead of following what this
   * Reconciler wrote: the daemon's periodic resync, which repairs changes made behind its back.
   */
  resync(): void {
    this.routesHeld = null;
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

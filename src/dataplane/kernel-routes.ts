/**
 * Kernel routes for remote pod CIDRs, so the host's own traffic reaches pods on other nodes (and
 * floating IPs of pods on this node, through the pod's cali). Remote ones point at the owning node
 * through the uplink (its gateway when the node is not on-link) with the MTU left after
 * encapsulation; tt_to_hep adds the tunnel header on the way out. Tagged with Tortie's route
 * protocol so they can be told apart and removed. A cluster has thousands: only routes that are
 * missing or different are written, all in one rtnetlink batch (native routeWrite: no `ip` process,
 * which would block a big daemon's event loop for a fork each), and after the first sync the routes
 * are not listed again (KernelRoutes remembers what it wrote).
 *
 * Remote routes go through next hop objects (`ip nexthop`), one per way to a node, shared by its
 * routes: `10.0.0.0/26 nhid 268435457 via 172.16.0.1 dev eth0 proto 116 onlink mtu 1450`. Routes
 * that each carry their own gateway cost the kernel a fib_info each, found by a linear search of one
 * hash bucket (the gateway is not part of the hash): 5,000 nodes took ~0.7 s to write, growing with
 * the square of the cluster; through next hops, ~0.1 s. The next hops carry Tortie's protocol too
 * and go when no route uses them.
 */
import { errnoCode, probeFeature } from '../native/errors.js';
import type { NativeBinding, NexthopOp, RouteOp } from '../native/binding.js';

export const TORTIE_ROUTE_PROTO = 116;
/** Next hop ids Tortie gives out start here (others' ids, seen in a dump, are skipped). */
export const TORTIE_NEXTHOP_ID_BASE = 0x1000_0000;

/** What a kernel without RTM_*NEXTHOP lacks (NotSupportedError's hint names it). */
export const NEXTHOP_FEATURE = 'next hop objects (`ip nexthop`, Linux 5.3 or later)';

const ESRCH = 3;
const ENOENT = 2;
/** How many failures an error message lists before "and N more". */
const FAILURES_SHOWN = 5;

export interface DesiredKernelRoute {
  cidr: string;
  via: string;
  mtu: number;
}

/** The host's way to a floating IP of a local pod: to the pod's own IP through its cali (tt_to_wep DNATs). */
export interface DesiredLocalNatRoute {
  cidr: string;
  via: string;
  dev: string;
}

interface KernelRouteState {
  gateway?: string;
  /** by index, not name: a device deleted and created again under its name has lost its routes */
  ifindex: number;
  mtu?: number;
  /** the sync that last asked for this route (stale when not the current one) */
  pass?: number;
  /** the desired route this state was written for: the same object again needs no comparison */
  from?: DesiredKernelRoute;
  /** the next hop object the route goes through */
  nhid?: number;
}

/** One of Tortie's next hop objects. */
interface NexthopState {
  gateway: string;
  ifindex: number;
  onlink: boolean;
}

/** How the uplink reaches a next hop: directly (on-link) or through a router (`via`). */
interface Path {
  via: string;
  onlink: boolean;
}

const cidrOf = (dst: string) => (dst.includes('/') ? dst : `${dst}/32`);

function splitCidr(cidr: string): { dst: string; prefixLen: number } {
  const slash = cidr.indexOf('/');
  return slash < 0 ? { dst: cidr, prefixLen: 32 } : { dst: cidr.slice(0, slash), prefixLen: Number(cidr.slice(slash + 1)) };
}

/** Tortie's kernel routes as they are now, by CIDR; a route through one of `nexthops` takes its gateway and device. */
function readKernelRoutes(native: NativeBinding, nexthops: ReadonlyMap<number, NexthopState> = new Map()): Map<string, KernelRouteState> {
  return new Map(
    native.routeDump(TORTIE_ROUTE_PROTO).map((r) => {
      const nh = r.nhid === undefined ? undefined : nexthops.get(r.nhid);
      const state: KernelRouteState = nh ? { gateway: nh.gateway, ifindex: nh.ifindex, mtu: r.mtu, nhid: r.nhid } : { gateway: r.gateway, ifindex: r.ifindex, mtu: r.mtu, nhid: r.nhid };
      return [`${r.dst}/${r.prefixLen}`, state];
    }),
  );
}

/** Tortie's next hop objects (by id), and the ids others use. */
function readNexthops(native: NativeBinding): { ours: Map<number, NexthopState>; taken: Set<number> } {
  const ours = new Map<number, NexthopState>();
  const taken = new Set<number>();
  for (const n of probeFeature(NEXTHOP_FEATURE, () => native.nexthopDump())) {
    if (n.protocol === TORTIE_ROUTE_PROTO && n.ipv4 && !n.group && !n.blackhole && n.gateway !== undefined) {
      ours.set(n.id, { gateway: n.gateway, ifindex: n.ifindex, onlink: n.onlink });
    } else {
      taken.add(n.id);
    }
  }
  return { ours, taken };
}

const pathKey = (via: string, onlink: boolean, ifindex: number) => `${via}${onlink ? ' onlink' : ''} dev ${ifindex}`;

export function listKernelRoutes(native: NativeBinding): string[] {
  return [...readKernelRoutes(native).keys()];
}

/** How many next hop objects Tortie owns (its remote routes go through them). */
export function countKernelNexthops(native: NativeBinding): number {
  return readNexthops(native).ours.size;
}

const deleteOp = (cidr: string): RouteOp => ({ op: 'delete', ...splitCidr(cidr), protocol: TORTIE_ROUTE_PROTO });

/** A local NAT route: to the pod's own IP, on-link through its cali. */
function natRouteOp(cidr: string, podIp: string, ifindex: number): RouteOp {
  return { op: 'replace', ...splitCidr(cidr), gateway: podIp, ifindex, onlink: true, protocol: TORTIE_ROUTE_PROTO };
}

function viaNexthopOp(cidr: string, nhid: number, mtu: number): RouteOp {
  return { op: 'replace', ...splitCidr(cidr), nhid, mtu, protocol: TORTIE_ROUTE_PROTO };
}

/** A delete's result: the route is gone (ESRCH: it was already). */
const deleted = (errno: number | undefined) => errno === 0 || errno === ESRCH;
/** The same for a next hop (ENOENT: it was already). */
const nexthopDeleted = (errno: number | undefined) => errno === 0 || errno === ENOENT;

const deleteFailures = (cidrs: readonly string[], errnos: readonly number[]): string[] =>
  cidrs.flatMap((cidr, i) => (deleted(errnos[i]) ? [] : [`delete ${cidr}: ${errnoCode(errnos[i]!)}`]));

/** Deletes next hops `ids` (and any route still through them): the ids gone, and what failed. */
function deleteNexthops(native: NativeBinding, ids: readonly number[]): { gone: number[]; failures: string[] } {
  const errnos = native.nexthopWrite(ids.map((id) => ({ op: 'delete', id })));
  const gone: number[] = [];
  const failures: string[] = [];
  ids.forEach((id, i) => (nexthopDeleted(errnos[i]) ? gone.push(id) : failures.push(`delete next hop ${id}: ${errnoCode(errnos[i]!)}`)));
  return { gone, failures };
}

/** Routes (or next hops) that could not be written, with the kernel's errno for each. */
export class KernelRouteError extends Error {
  override name = 'KernelRouteError';

  constructor(readonly failures: readonly string[]) {
    const more = failures.length > FAILURES_SHOWN ? `; and ${failures.length - FAILURES_SHOWN} more` : '';
    super(`kernel routes not written: ${failures.slice(0, FAILURES_SHOWN).join('; ')}${more}`);
  }
}

export interface KernelRouteChanges {
  added: number;
  changed: number;
  removed: number;
  /**
   * local NAT routes not written, retried next sync: their interface does not exist (yet), or the
   * kernel refused them (interface down: ENETDOWN), as `<cidr> via <ip> dev <name>: <why>`
   */
  pending: string[];
}

/**
 * Keeps Tortie's kernel routes equal to a desired list. The first sync reads what the kernel holds;
 * later ones compare with what this object wrote, so a pass that changes one route of 5,000 writes
 * that route only, without listing them all. forget() (the uplink changed, a write failed) makes the
 * next sync read the kernel again. How the uplink reaches each next hop is asked once per next hop.
 * Everything goes through rtnetlink on the calling thread (its netns), in as few batches as it can:
 * one lookup of the paths to new nodes, one write of new next hop objects, one write of every route
 * delete and replace, one delete of the next hops no route uses any more.
 */
export class KernelRoutes {
  private current: Map<string, KernelRouteState> | null = null;
  private paths = new Map<string, Path>();
  private pathsUplink = 0;
  private pass = 0;
  /** Tortie's next hop objects by id, read with `current` */
  private nexthops = new Map<number, NexthopState>();
  /** the next hop to use per path through the uplink (pathKey) */
  private nexthopFor = new Map<string, number>();
  /** ids not to give out: others' next hops */
  private takenIds = new Set<number>();
  private nextId = TORTIE_NEXTHOP_ID_BASE;
  /** some of `nexthops` may have no route left: look after the next write */
  private collect = false;

  constructor(private readonly native: NativeBinding) {}

  /** The next sync reads the kernel's routes, next hops and the paths to nodes again. */
  forget(): void {
    this.current = null;
    this.paths.clear();
  }

  /**
   * @param uplink null when no uplink is loaded: remote routes cannot be written then
   * @returns what was added, changed and removed, against what the kernel held before
   * @throws KernelRouteError after writing everything else, when a remote route (or the path to its
   *   node, or its next hop) or a stale route's delete failed; the next sync reads the kernel again
   */
  sync(uplink: string | null, desired: readonly DesiredKernelRoute[], localNat: readonly DesiredLocalNatRoute[] = []): KernelRouteChanges {
    // 0 when missing: its routes are gone with it, and routes to remote pods can't be written.
    const uplinkIndex = uplink ? this.native.ifNameToIndex(uplink) : 0;
    if (uplinkIndex !== this.pathsUplink) this.forget();
    this.pathsUplink = uplinkIndex;
    try {
      const current = (this.current ??= this.read(uplinkIndex));
      return this.write(current, uplink, uplinkIndex, desired, localNat);
    } catch (err) {
      this.current = null; // what the kernel holds now is not known: read it next time
      throw err;
    }
  }

  /** The kernel's next hops, then its routes. */
  private read(uplinkIndex: number): Map<string, KernelRouteState> {
    const { ours, taken } = readNexthops(this.native);
    this.nexthops = ours;
    this.takenIds = taken;
    this.nexthopFor.clear();
    for (const [id, nh] of ours) {
      const key = pathKey(nh.gateway, nh.onlink, nh.ifindex);
      if (nh.ifindex === uplinkIndex && !this.nexthopFor.has(key)) this.nexthopFor.set(key, id);
    }
    this.collect = true;
    return readKernelRoutes(this.native, ours);
  }

  private write(
    current: Map<string, KernelRouteState>,
    uplink: string | null,
    uplinkIndex: number,
    desired: readonly DesiredKernelRoute[],
    localNat: readonly DesiredLocalNatRoute[],
  ): KernelRouteChanges {
    // Every route asked for is stamped with this pass; the ones left unstamped are stale.
    const pass = ++this.pass;
    for (const r of desired) {
      const now = current.get(cidrOf(r.cidr));
      if (now) now.pass = pass;
    }
    for (const r of localNat) {
      const now = current.get(cidrOf(r.cidr));
      if (now) now.pass = pass;
    }
    const stale: string[] = [];
    for (const [cidr, state] of current) if (state.pass !== pass) stale.push(cidr);
    const failures: string[] = [];
    const pending: string[] = [];

    // Local NAT routes: to the pod through its cali, which may not exist yet (pending then).
    const nat: Array<{ cidr: string; what: string; op: RouteOp }> = [];
    for (const r of localNat) {
      const cidr = cidrOf(r.cidr);
      const what = `${cidr} via ${r.via} dev ${r.dev}`;
      const ifindex = this.native.ifNameToIndex(r.dev);
      if (ifindex === 0) {
        pending.push(`${what}: no such interface`);
        continue;
      }
      const now = current.get(cidr);
      if (now?.ifindex === ifindex && now.gateway === r.via && now.nhid === undefined) continue;
      nat.push({ cidr, what, op: natRouteOp(cidr, r.via, ifindex) });
    }

    // Remote routes. Unchanged: through the next hop of the same path to the node, same MTU.
    const remote: Array<{ cidr: string; what: string; op: RouteOp; from: DesiredKernelRoute; path: Path }> = [];
    if (uplink && uplinkIndex === 0 && desired.length > 0) {
      failures.push(`uplink ${uplink} does not exist: ${desired.length} routes to remote pods`);
    } else if (uplink) {
      const toWrite = desired.filter((r) => !this.unchanged(current.get(cidrOf(r.cidr)), uplinkIndex, r));
      this.learnPaths(toWrite.map((r) => r.via), uplink, uplinkIndex, failures);
      this.addNexthops(toWrite, uplink, uplinkIndex, failures);
      for (const r of toWrite) {
        const path = this.paths.get(r.via);
        const nhid = path && this.nexthopFor.get(pathKey(path.via, path.onlink, uplinkIndex));
        if (!path || nhid === undefined) continue; // its lookup or next hop failed: in `failures`
        const cidr = cidrOf(r.cidr);
        const what = `${cidr} via ${path.via} dev ${uplink}${path.onlink ? ' onlink' : ''} mtu ${r.mtu}`;
        remote.push({ cidr, what, op: viaNexthopOp(cidr, nhid, r.mtu), from: r, path });
      }
    }

    const errnos = this.native.routeWrite([...stale.map(deleteOp), ...nat.map((w) => w.op), ...remote.map((w) => w.op)]);
    failures.push(...deleteFailures(stale, errnos));
    let removed = 0;
    for (const [j, cidr] of stale.entries()) {
      if (!deleted(errnos[j])) continue;
      current.delete(cidr);
      removed++;
    }
    let i = stale.length;
    let [added, changed] = [0, 0];
    const written = (cidr: string, state: KernelRouteState) => {
      if (current.has(cidr)) changed++;
      else added++;
      current.set(cidr, state);
    };
    for (const w of nat) {
      const errno = errnos[i++]!;
      if (errno === 0) written(w.cidr, { gateway: w.op.gateway, ifindex: w.op.ifindex!, pass });
      else pending.push(`${w.what}: ${errnoCode(errno)}`);
    }
    for (const w of remote) {
      const errno = errnos[i++]!;
      if (errno === 0) written(w.cidr, { gateway: w.path.via, ifindex: uplinkIndex, mtu: w.op.mtu, nhid: w.op.nhid, pass, from: w.from });
      else failures.push(`${w.what}: ${errnoCode(errno)}`);
    }
    if (removed + changed > 0) this.collect = true;
    if (this.collect) this.removeUnusedNexthops(current, failures);
    if (failures.length > 0) throw new KernelRouteError(failures);
    return { added, changed, removed, pending };
  }

  private unchanged(now: KernelRouteState | undefined, uplinkIndex: number, r: DesiredKernelRoute): boolean {
    if (now?.ifindex !== uplinkIndex || now.nhid === undefined) return false;
    if (now.from === r) return true; // written for this very object, through this uplink (paths go with `current`)
    if (now.mtu !== r.mtu) return false;
    // A route via a router is right only while that router is still the way to the node.
    const path = this.paths.get(r.via) ?? { via: r.via, onlink: true };
    if (now.nhid !== this.nexthopFor.get(pathKey(path.via, path.onlink, uplinkIndex))) return false;
    now.from = r;
    return true;
  }

  /** Asks the kernel how the uplink reaches next hops not asked about yet (`ip route get NH oif UPLINK`). */
  private learnPaths(nextHops: readonly string[], uplink: string, uplinkIndex: number, failures: string[]): void {
    const unknown = [...new Set(nextHops)].filter((ip) => !this.paths.has(ip));
    if (unknown.length === 0) return;
    const answers = this.native.routeLookup(uplinkIndex, unknown);
    unknown.forEach((ip, i) => {
      const { errno, gateway } = answers[i]!;
      if (errno !== 0) failures.push(`path to node ${ip} through ${uplink}: ${errnoCode(errno)}`);
      else this.paths.set(ip, gateway ? { via: gateway, onlink: false } : { via: ip, onlink: true });
    });
  }

  /** Creates a next hop object for each path of `routes` that has none yet. */
  private addNexthops(routes: readonly DesiredKernelRoute[], uplink: string, uplinkIndex: number, failures: string[]): void {
    const added = new Map<string, NexthopOp & { gateway: string; onlink: boolean }>();
    for (const r of routes) {
      const path = this.paths.get(r.via);
      if (!path) continue;
      const key = pathKey(path.via, path.onlink, uplinkIndex);
      if (this.nexthopFor.has(key) || added.has(key)) continue;
      added.set(key, { op: 'add', id: this.freeId(), gateway: path.via, ifindex: uplinkIndex, onlink: path.onlink, protocol: TORTIE_ROUTE_PROTO });
    }
    if (added.size === 0) return;
    const ops = [...added.values()];
    const errnos = this.native.nexthopWrite(ops);
    [...added.keys()].forEach((key, i) => {
      const op = ops[i]!;
      if (errnos[i] === 0) {
        this.nexthopFor.set(key, op.id);
        this.nexthops.set(op.id, { gateway: op.gateway, ifindex: uplinkIndex, onlink: op.onlink });
      } else {
        this.takenIds.add(op.id); // EEXIST: someone else's; another id next time
        failures.push(`next hop ${op.id} via ${op.gateway} dev ${uplink}${op.onlink ? ' onlink' : ''}: ${errnoCode(errnos[i]!)}`);
      }
    });
  }

  private freeId(): number {
    while (this.takenIds.has(this.nextId) || this.nexthops.has(this.nextId)) this.nextId = this.nextId >= 0xffff_ffff ? TORTIE_NEXTHOP_ID_BASE : this.nextId + 1;
    return this.nextId++;
  }

  /** Deletes Tortie's next hops that no route of `current` goes through. */
  private removeUnusedNexthops(current: ReadonlyMap<string, KernelRouteState>, failures: string[]): void {
    this.collect = false;
    const used = new Set<number>();
    for (const state of current.values()) if (state.nhid !== undefined) used.add(state.nhid);
    const unused = [...this.nexthops.keys()].filter((id) => !used.has(id));
    if (unused.length === 0) return;
    const { gone, failures: failed } = deleteNexthops(this.native, unused);
    failures.push(...failed);
    for (const id of gone) {
      const nh = this.nexthops.get(id)!;
      this.nexthops.delete(id);
      const key = pathKey(nh.gateway, nh.onlink, nh.ifindex);
      if (this.nexthopFor.get(key) === id) this.nexthopFor.delete(key);
    }
  }
}

/** Deletes every route of Tortie's protocol, then its next hops (unload). Returns how many routes there were. */
export function removeKernelRoutes(native: NativeBinding): number {
  const routes = listKernelRoutes(native);
  const failures = deleteFailures(routes, native.routeWrite(routes.map(deleteOp)));
  failures.push(...deleteNexthops(native, [...readNexthops(native).ours.keys()]).failures);
  if (failures.length > 0) throw new KernelRouteError(failures);
  return routes.length;
}

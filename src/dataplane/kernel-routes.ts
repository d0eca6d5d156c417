/**
 * Kernel routes for remote pod CIDRs, so the host's own traffic reaches pods on other nodes (and
 * floating IPs of pods on this node, through the pod's cali). Remote ones point at the owning node
 * through the uplink (its gateway when the node is not on-link) with the MTU left after
 * encapsulation; tt_to_hep adds the tunnel header on the way out. Tagged with Tortie's route
 * protocol so they can be told apart and removed. A cluster has thousands: only routes that are
 * missing or different are written, all in one rtnetlink batch (native routeWrite: no `ip` process,
 * which would block a big daemon's event loop for a fork each), and after the first sync the routes
 * are not listed again (KernelRoutes remembers what it wrote).
 */
import { errnoCode } from '../native/errors.js';
import type { NativeBinding, RouteOp } from '../native/binding.js';

export const TORTIE_ROUTE_PROTO = 116;

const ESRCH = 3;
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

/** Tortie's kernel routes as they are now, by CIDR. */
function readKernelRoutes(native: NativeBinding): Map<string, KernelRouteState> {
  return new Map(
    native.routeDump(TORTIE_ROUTE_PROTO).map((r) => [`${r.dst}/${r.prefixLen}`, { gateway: r.gateway, ifindex: r.ifindex, mtu: r.mtu }]),
  );
}

export function listKernelRoutes(native: NativeBinding): string[] {
  return [...readKernelRoutes(native).keys()];
}

const deleteOp = (cidr: string): RouteOp => ({ op: 'delete', ...splitCidr(cidr), protocol: TORTIE_ROUTE_PROTO });

function replaceOp(cidr: string, gateway: string, ifindex: number, onlink: boolean, mtu?: number): RouteOp {
  const op: RouteOp = { op: 'replace', ...splitCidr(cidr), gateway, ifindex, protocol: TORTIE_ROUTE_PROTO };
  if (onlink) op.onlink = true;
  if (mtu !== undefined) op.mtu = mtu;
  return op;
}

/** A delete's result: the route is gone (ESRCH: it was already). */
const deleted = (errno: number | undefined) => errno === 0 || errno === ESRCH;

const deleteFailures = (cidrs: readonly string[], errnos: readonly number[]): string[] =>
  cidrs.flatMap((cidr, i) => (deleted(errnos[i]) ? [] : [`delete ${cidr}: ${errnoCode(errnos[i]!)}`]));

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
 * one lookup of the paths to new next hops, one write of every delete and replace.
 */
export class KernelRoutes {
  private current: Map<string, KernelRouteState> | null = null;
  private paths = new Map<string, Path>();
  private pathsUplink = 0;
  private pass = 0;

  constructor(private readonly native: NativeBinding) {}

  /** The next sync reads the kernel's routes and the paths to next hops again. */
  forget(): void {
    this.current = null;
    this.paths.clear();
  }

  /**
   * @param uplink null when no uplink is loaded: remote routes cannot be written then
   * @returns what was added, changed and removed, against what the kernel held before
   * @throws KernelRouteError after writing everything else, when a remote route (or the path to its
   *   node) or a stale route's delete failed; the next sync reads the kernel's routes again
   */
  sync(uplink: string | null, desired: readonly DesiredKernelRoute[], localNat: readonly DesiredLocalNatRoute[] = []): KernelRouteChanges {
    // 0 when missing: its routes are gone with it, and routes to remote pods can't be written.
    const uplinkIndex = uplink ? this.native.ifNameToIndex(uplink) : 0;
    if (uplinkIndex !== this.pathsUplink) this.forget();
    this.pathsUplink = uplinkIndex;
    try {
      const current = (this.current ??= readKernelRoutes(this.native));
      return this.write(current, uplink, uplinkIndex, desired, localNat);
    } catch (err) {
      this.current = null; // what the kernel holds now is not known: read it next time
      throw err;
    }
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
      if (now?.ifindex === ifindex && now.gateway === r.via) continue;
      nat.push({ cidr, what, op: replaceOp(cidr, r.via, ifindex, true) });
    }

    // Remote routes. Unchanged: through the uplink, by the same path to the node, same MTU.
    const remote: Array<{ cidr: string; what: string; op: RouteOp; from: DesiredKernelRoute }> = [];
    if (uplink && uplinkIndex === 0 && desired.length > 0) {
      failures.push(`uplink ${uplink} does not exist: ${desired.length} routes to remote pods`);
    } else if (uplink) {
      const toWrite = desired.filter((r) => !this.unchanged(current.get(cidrOf(r.cidr)), uplinkIndex, r));
      this.learnPaths(toWrite.map((r) => r.via), uplink, uplinkIndex, failures);
      for (const r of toWrite) {
        const path = this.paths.get(r.via);
        if (!path) continue; // its lookup failed: in `failures`
        const cidr = cidrOf(r.cidr);
        const what = `${cidr} via ${path.via} dev ${uplink}${path.onlink ? ' onlink' : ''} mtu ${r.mtu}`;
        remote.push({ cidr, what, op: replaceOp(cidr, path.via, uplinkIndex, path.onlink, r.mtu), from: r });
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
    const written = (cidr: string, op: RouteOp, from?: DesiredKernelRoute) => {
      if (current.has(cidr)) changed++;
      else added++;
      current.set(cidr, { gateway: op.gateway, ifindex: op.ifindex!, mtu: op.mtu, pass, from });
    };
    for (const w of nat) {
      const errno = errnos[i++]!;
      if (errno === 0) written(w.cidr, w.op);
      else pending.push(`${w.what}: ${errnoCode(errno)}`);
    }
    for (const w of remote) {
      const errno = errnos[i++]!;
      if (errno === 0) written(w.cidr, w.op, w.from);
      else failures.push(`${w.what}: ${errnoCode(errno)}`);
    }
    if (failures.length > 0) throw new KernelRouteError(failures);
    return { added, changed, removed, pending };
  }

  private unchanged(now: KernelRouteState | undefined, uplinkIndex: number, r: DesiredKernelRoute): boolean {
    if (now?.ifindex !== uplinkIndex) return false;
    if (now.from === r) return true; // written for this very object, through this uplink (paths go with `current`)
    if (now.mtu !== r.mtu) return false;
    // A route via a router is right only while that router is still the way to the node.
    const path = this.paths.get(r.via);
    if (now.gateway !== (path ? path.via : r.via)) return false;
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
}

/** Deletes every route of Tortie's protocol (unload). Returns how many there were. */
export function removeKernelRoutes(native: NativeBinding): number {
  const routes = listKernelRoutes(native);
  const failures = deleteFailures(routes, native.routeWrite(routes.map(deleteOp)));
  if (failures.length > 0) throw new KernelRouteError(failures);
  return routes.length;
}

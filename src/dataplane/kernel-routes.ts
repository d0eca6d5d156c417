/**
 * Kernel routes for remote pod CIDRs, so the host's own traffic reaches pods on other nodes (and
 * floating IPs of pods on this node, through the pod's cali). Remote ones point at the owning node
 * through the uplink (its gateway when the node is not on-link) with the MTU left after
 * encapsulation; tt_to_hep adds the tunnel header on the way out. Tagged with Tortie's route
 * protocol so they can be told apart and removed. A cluster has thousands: only routes that are
 * missing or different are written, all through one `ip -batch` process, and after the first sync
 * the routes are not listed again (KernelRoutes remembers what it wrote).
 */
import { run, runJson, tryRun } from '../util/exec.js';

export const TORTIE_ROUTE_PROTO = 116;
const PROTO = String(TORTIE_ROUTE_PROTO);

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
  dev?: string;
  mtu?: number;
}

interface IpRouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  metrics?: Array<{ mtu?: number }>;
}

const cidrOf = (dst: string) => (dst.includes('/') ? dst : `${dst}/32`);

/** Tortie's kernel routes as they are now, by CIDR. */
function readKernelRoutes(): Map<string, KernelRouteState> {
  const routes = runJson<IpRouteJson[] | null>(['ip', '-j', '-4', 'route', 'show', 'proto', PROTO]) ?? [];
  return new Map(routes.map((r) => [cidrOf(r.dst), { gateway: r.gateway, dev: r.dev, mtu: r.metrics?.find((m) => m.mtu)?.mtu }]));
}

export function listKernelRoutes(): string[] {
  return [...readKernelRoutes().keys()];
}

/** Runs many `ip` commands in one process; `-force` goes on past a failing line. */
function ipBatch(lines: readonly string[], opts: { json?: boolean; force?: boolean } = {}): string {
  if (lines.length === 0) return '';
  const flags = [...(opts.json ? ['-j'] : []), ...(opts.force ? ['-force'] : [])];
  return run(['ip', ...flags, '-batch', '-'], { input: `${lines.join('\n')}\n`, timeoutMs: 120_000 });
}

/** How the uplink reaches each next hop: directly (on-link) or through a gateway (one `ip route get` each, batched). */
function pathsTo(nextHops: readonly string[], uplink: string): Map<string, { via: string; onlink: boolean }> {
  const out = ipBatch(nextHops.map((ip) => `route get ${ip} oif ${uplink}`), { json: true });
  const answers = out.split('\n').filter((line) => line.trim() !== '');
  return new Map(
    nextHops.map((ip, i) => {
      const [route] = JSON.parse(answers[i] ?? '[]') as IpRouteJson[];
      return [ip, route?.gateway ? { via: route.gateway, onlink: false } : { via: ip, onlink: true }];
    }),
  );
}

export interface KernelRouteChanges {
  added: number;
  changed: number;
  removed: number;
  /** local NAT routes whose interface does not exist (yet) */
  pending: string[];
}

/**
 * Keeps Tortie's kernel routes equal to a desired list. The first sync reads what the kernel holds;
 * later ones compare with what this object wrote, so a pass that changes one route of 5,000 spawns one
 * `ip` for that route instead of listing them all. forget() (the uplink changed, a write failed) makes
 * the next sync read the kernel again. How the uplink reaches each next hop is asked once per next hop.
 */
export class KernelRoutes {
  private current: Map<string, KernelRouteState> | null = null;
  private paths = new Map<string, { via: string; onlink: boolean }>();
  private pathsUplink: string | null = null;

  /** The next sync reads the kernel's routes and the paths to next hops again. */
  forget(): void {
    this.current = null;
    this.paths.clear();
  }

  /**
   * @param uplink null when no uplink is loaded: remote routes cannot be written then
   * @returns what was added, changed and removed, against what the kernel held before
   */
  sync(uplink: string | null, desired: readonly DesiredKernelRoute[], localNat: readonly DesiredLocalNatRoute[] = []): KernelRouteChanges {
    if (uplink !== this.pathsUplink) this.forget();
    this.pathsUplink = uplink;
    const current = (this.current ??= readKernelRoutes());
    try {
      return this.write(current, uplink, desired, localNat);
    } catch (err) {
      this.current = null; // what the kernel holds now is not known: read it next time
      throw err;
    }
  }

  private write(
    current: Map<string, KernelRouteState>,
    uplink: string | null,
    desired: readonly DesiredKernelRoute[],
    localNat: readonly DesiredLocalNatRoute[],
  ): KernelRouteChanges {
    const wanted = new Set<string>();
    for (const r of desired) wanted.add(r.cidr);
    for (const r of localNat) wanted.add(r.cidr);
    const stale = [...current.keys()].filter((cidr) => !wanted.has(cidr));
    ipBatch(stale.map((cidr) => `route del ${cidr} proto ${PROTO}`), { force: true });
    for (const cidr of stale) current.delete(cidr);

    const pending: string[] = [];
    let [added, changed] = [0, 0];
    const written = (cidr: string, state: KernelRouteState) => {
      if (current.has(cidr)) changed++;
      else added++;
      current.set(cidr, state);
    };
    for (const r of localNat) {
      const now = current.get(r.cidr);
      if (now?.dev === r.dev && now.gateway === r.via) continue;
      const res = tryRun(['ip', 'route', 'replace', r.cidr, 'via', r.via, 'dev', r.dev, 'onlink', 'proto', PROTO]);
      if (res.ok) written(r.cidr, { gateway: r.via, dev: r.dev });
      else pending.push(`${r.cidr} via ${r.via} dev ${r.dev}: ${res.stderr.trim()}`);
    }

    // Unchanged: through the uplink, by the same path to the node, same MTU.
    const remoteToWrite = uplink ? desired.filter((r) => !this.unchanged(current.get(r.cidr), uplink, r)) : [];
    this.learnPaths(remoteToWrite.map((r) => r.via), uplink ?? '');
    ipBatch(
      remoteToWrite.map((r) => {
        const path = this.paths.get(r.via)!;
        return `route replace ${r.cidr} via ${path.via} dev ${uplink}${path.onlink ? ' onlink' : ''} mtu ${r.mtu} proto ${PROTO}`;
      }),
    );
    for (const r of remoteToWrite) written(r.cidr, { gateway: this.paths.get(r.via)!.via, dev: uplink!, mtu: r.mtu });
    return { added, changed, removed: stale.length, pending };
  }

  private unchanged(now: KernelRouteState | undefined, uplink: string, r: DesiredKernelRoute): boolean {
    if (now?.dev !== uplink || now.mtu !== r.mtu) return false;
    // A route via a router is right only while that router is still the way to the node.
    const path = this.paths.get(r.via);
    return now.gateway === (path ? path.via : r.via);
  }

  private learnPaths(nextHops: readonly string[], uplink: string): void {
    const unknown = [...new Set(nextHops)].filter((ip) => !this.paths.has(ip));
    for (const [ip, path] of pathsTo(unknown, uplink)) this.paths.set(ip, path);
  }
}

export function removeKernelRoutes(): number {
  const routes = listKernelRoutes();
  ipBatch(routes.map((cidr) => `route del ${cidr} proto ${PROTO}`), { force: true });
  return routes.length;
}

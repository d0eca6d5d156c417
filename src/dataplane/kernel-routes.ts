/**
 * Kernel routes for remote pod CIDRs, so the host's own traffic reaches pods on other nodes (and
 * floating IPs of pods on this node, through the pod's cali). Remote ones
 * point at the owning node through the uplink (its gateway when the node is not on-link) with the
 * MTU left after encapsulation; tt_to_hep adds the tunnel header on the way out. Tagged with
 * Tortie's route protocol so they can be told apart and removed.
 */
import { run, runJson, tryRun } from '../util/exec.js';

export const TORTIE_ROUTE_PROTO = 116;

export interface DesiredKernelRoute {
  cidr: string;
  via: string;
  mtu: number;
}

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
}

/** How the uplink reaches `nodeIp`: directly (on-link) or through a gateway. */
function pathTo(nodeIp: string, uplink: string): { via: string; onlink: boolean } {
  const [route] = runJson<IpRoute[]>(['ip', '-j', 'route', 'get', nodeIp, 'oif', uplink]);
  return route?.gateway ? { via: route.gateway, onlink: false } : { via: nodeIp, onlink: true };
}

export function listKernelRoutes(): string[] {
  return runJson<IpRoute[]>(['ip', '-j', '-4', 'route', 'show', 'proto', String(TORTIE_ROUTE_PROTO)]).map((r) =>
    r.dst.includes('/') ? r.dst : `${r.dst}/32`,
  );
}

/** The host's way to a floating IP of a local pod: to the pod's own IP through its cali (tt_to_wep DNATs). */
export interface DesiredLocalNatRoute {
  cidr: string;
  via: string;
  dev: string;
}

/**
 * @param uplink null when no uplink is loaded: remote routes cannot be written then
 * @returns the local NAT routes whose interface does not exist (yet) are listed in `pending`
 */
export function syncKernelRoutes(
  uplink: string | null,
  desired: readonly DesiredKernelRoute[],
  localNat: readonly DesiredLocalNatRoute[] = [],
): { written: number; removed: number; pending: string[] } {
  const wanted = new Set([...desired, ...localNat].map((r) => r.cidr));
  let removed = 0;
  for (const cidr of listKernelRoutes()) {
    if (!wanted.has(cidr)) {
      tryRun(['ip', 'route', 'del', cidr, 'proto', String(TORTIE_ROUTE_PROTO)]);
      removed++;
    }
  }
  const pending: string[] = [];
  for (const r of localNat) {
    const res = tryRun(['ip', 'route', 'replace', r.cidr, 'via', r.via, 'dev', r.dev, 'onlink', 'proto', String(TORTIE_ROUTE_PROTO)]);
    if (!res.ok) pending.push(`${r.cidr} via ${r.via} dev ${r.dev}: ${res.stderr.trim()}`);
  }
  for (const r of uplink ? desired : []) {
    const path = pathTo(r.via, uplink!);
    run([
      'ip', 'route', 'replace', r.cidr, 'via', path.via, 'dev', uplink!,
      ...(path.onlink ? ['onlink'] : []),
      'mtu', String(r.mtu), 'proto', String(TORTIE_ROUTE_PROTO),
    ]);
  }
  return { written: (uplink ? desired.length : 0) + localNat.length - pending.length, removed, pending };
}

export function removeKernelRoutes(): number {
  const routes = listKernelRoutes();
  for (const cidr of routes) tryRun(['ip', 'route', 'del', cidr, 'proto', String(TORTIE_ROUTE_PROTO)]);
  return routes.length;
}

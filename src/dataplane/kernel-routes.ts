/**
 * Kernel routes for remote pod CIDRs, so the host's own traffic reaches pods on other nodes. They
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

export function syncKernelRoutes(uplink: string, desired: readonly DesiredKernelRoute[]): { written: number; removed: number } {
  const wanted = new Set(desired.map((r) => r.cidr));
  let removed = 0;
  for (const cidr of listKernelRoutes()) {
    if (!wanted.has(cidr)) {
      tryRun(['ip', 'route', 'del', cidr, 'proto', String(TORTIE_ROUTE_PROTO)]);
      removed++;
    }
  }
  for (const r of desired) {
    const path = pathTo(r.via, uplink);
    run([
      'ip', 'route', 'replace', r.cidr, 'via', path.via, 'dev', uplink,
      ...(path.onlink ? ['onlink'] : []),
      'mtu', String(r.mtu), 'proto', String(TORTIE_ROUTE_PROTO),
    ]);
  }
  return { written: desired.length, removed };
}

export function removeKernelRoutes(): number {
  const routes = listKernelRoutes();
  for (const cidr of routes) tryRun(['ip', 'route', 'del', cidr, 'proto', String(TORTIE_ROUTE_PROTO)]);
  return routes.length;
}

/**
 * Kernel routes for remote pod CIDRs, so the host's own traffic reaches pods on other nodes (and
 * floating IPs of pods on this node, through the pod's cali). Remote ones point at the owning node
 * through the uplink (its gateway when the node is not on-link) with the MTU left after
 * encapsulation; tt_to_hep adds the tunnel header on the way out. Tagged with Tortie's route
 * protocol so they can be told apart and removed. A cluster has thousands: only routes that are
 * missing or different are written, all through one `ip -batch` process.
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

/**
 * @param uplink null when no uplink is loaded: remote routes cannot be written then
 * @returns what was added, changed and removed (against the routes read first); the local NAT
 * routes whose interface does not exist (yet) are listed in `pending`
 */
export function syncKernelRoutes(
  uplink: string | null,
  desired: readonly DesiredKernelRoute[],
  localNat: readonly DesiredLocalNatRoute[] = [],
): { added: number; changed: number; removed: number; pending: string[] } {
  const current = readKernelRoutes();
  const wanted = new Set([...desired, ...localNat].map((r) => r.cidr));
  const stale = [...current.keys()].filter((cidr) => !wanted.has(cidr));
  ipBatch(stale.map((cidr) => `route del ${cidr} proto ${PROTO}`), { force: true });

  const pending: string[] = [];
  const failed = new Set<string>();
  const localToWrite = localNat.filter((r) => {
    const now = current.get(r.cidr);
    return !(now?.dev === r.dev && now.gateway === r.via);
  });
  for (const r of localToWrite) {
    const res = tryRun(['ip', 'route', 'replace', r.cidr, 'via', r.via, 'dev', r.dev, 'onlink', 'proto', PROTO]);
    if (res.ok) continue;
    pending.push(`${r.cidr} via ${r.via} dev ${r.dev}: ${res.stderr.trim()}`);
    failed.add(r.cidr);
  }

  // Unchanged: through the uplink, straight to the node, same MTU. Routes via a router are rewritten
  // whenever the set changes (cheap in a batch), since the node behind it may have changed.
  const unchanged = (r: DesiredKernelRoute) => {
    const now = current.get(r.cidr);
    return now?.dev === uplink && now.gateway === r.via && now.mtu === r.mtu;
  };
  const remoteToWrite = uplink ? desired.filter((r) => !unchanged(r)) : [];
  const paths = pathsTo([...new Set(remoteToWrite.map((r) => r.via))], uplink ?? '');
  ipBatch(
    remoteToWrite.map((r) => {
      const path = paths.get(r.via)!;
      return `route replace ${r.cidr} via ${path.via} dev ${uplink}${path.onlink ? ' onlink' : ''} mtu ${r.mtu} proto ${PROTO}`;
    }),
  );
  const written = [...remoteToWrite, ...localToWrite].filter((r) => !failed.has(r.cidr));
  const added = written.filter((r) => !current.has(r.cidr)).length;
  return { added, changed: written.length - added, removed: stale.length, pending };
}

export function removeKernelRoutes(): number {
  const routes = listKernelRoutes();
  ipBatch(routes.map((cidr) => `route del ${cidr} proto ${PROTO}`), { force: true });
  return routes.length;
}

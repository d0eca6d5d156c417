/**
 * What Tortie's kernel routes (proto 116) look like now, to count what a sync added or changed: a
 * sync rewrites them all with `ip route replace` (atomic, so an unchanged route never disappears),
 * and this says which of those writes were real changes.
 */
import type { DesiredState } from '../calc/desired.js';
import type { KernelRouteState } from './kernel-routes.js';

export { readKernelRoutes, type KernelRouteState } from './kernel-routes.js';

/**
 * Desired routes missing before (added) or different (changed). A remote route's gateway may be a
 * router rather than the node itself (node not on-link): any gateway on the uplink counts as right.
 */
export function kernelRouteChanges(
  before: ReadonlyMap<string, KernelRouteState>,
  uplink: string | null,
  desired: Pick<DesiredState, 'kernelRoutes' | 'localNatKernelRoutes'>,
): { added: number; changed: number } {
  let added = 0;
  let changed = 0;
  const count = (cidr: string, same: (r: KernelRouteState) => boolean) => {
    const r = before.get(cidr);
    if (!r) added++;
    else if (!same(r)) changed++;
  };
  if (uplink) for (const k of desired.kernelRoutes) count(k.cidr, (r) => r.dev === uplink && r.mtu === k.mtu);
  for (const k of desired.localNatKernelRoutes) count(k.cidr, (r) => r.dev === k.dev && r.gateway === k.via);
  return { added, changed };
}

/**
 * Pure: everything this node's dataplane should hold, from the cluster's resources — the one
 * calculation behind both `tortie apply` and the daemon. Each table is plain data; turning it into
 * map entries and diffing against the maps is dataplane/desired-entries.ts and reconcile.ts.
 * A new table (e.g. another NAT map) is one more field here, one more entry list there.
 */
import type { DesiredEndpoint } from '../dataplane/endpoints.js';
import type { Resource } from '../model/resources.js';
import { calcNodeEndpoints, type EndpointConflict } from './endpoints.js';
import { calcNatOutgoing, type NatOutgoing } from './nat-outgoing.js';
import { calcNodeNat, type NatEntry } from './nat.js';
import { splitResources, type SplitResources } from './split.js';
import { calcClusterRoutesOf, type KernelRoute, type RouteMemory, type LocalNatKernelRoute, type RouteEntry, type Self, type VtepEntry } from './routes.js';

export interface DesiredState {
  /** this node's workload endpoints (IPv4), one per WorkloadEndpoint */
  endpoints: DesiredEndpoint[];
  conflicts: EndpointConflict[];
  /** floating IPs of this node's endpoints, both directions */
  nat: NatEntry[];
  /** the routes map */
  routes: RouteEntry[];
  /** static VTEP MACs of remote VXLAN nodes (tt_neigh, pseudo-ifindex 0) */
  vteps: VtepEntry[];
  /** the host's own routes to remote pods (proto 116) */
  kernelRoutes: KernelRoute[];
  /** the host's routes to floating IPs of local pods */
  localNatKernelRoutes: LocalNatKernelRoute[];
  natOutgoing: NatOutgoing;
  /**
   * The resources held an IPPool, Node or IPAMBlock. `tortie apply` of endpoints alone leaves the
   * routing state as it was; the daemon, which sees everything, always owns it.
   */
  hasClusterResources: boolean;
  warnings: string[];
}

export function calcDesiredState(resources: readonly Resource[], self: Self): DesiredState {
  return calcDesiredStateOf(splitResources(resources, self.nodeName), self);
}

/**
 * The same from resources already split (by splitResources, or a ClusterIndex kept up to date). A
 * stream of passes over one cluster (the daemon's) keeps its own RouteMemory: a pass then recalculates
 * only the routes of what changed.
 */
export function calcDesiredStateOf(split: SplitResources, self: Self, routeMemory?: RouteMemory): DesiredState {
  const { endpoints, conflicts } = calcNodeEndpoints([...split.pools, ...split.local], self.nodeName);
  const cluster = calcClusterRoutesOf(self, split, routeMemory);
  const nat = calcNodeNat(cluster.floatingIps, self.nodeName);
  const warnings = [...conflicts.map((c) => `${c.ip} is claimed by ${c.endpoints.join(' and ')}; kept by ${c.endpoints[0]}`), ...cluster.warnings];
  return {
    endpoints,
    conflicts,
    nat,
    routes: cluster.routes,
    vteps: cluster.vteps,
    kernelRoutes: cluster.kernelRoutes,
    localNatKernelRoutes: cluster.localNatKernelRoutes,
    natOutgoing: calcNatOutgoing(split.pools),
    hasClusterResources: split.pools.length + split.nodes.length + split.blocks.length > 0,
    warnings,
  };
}

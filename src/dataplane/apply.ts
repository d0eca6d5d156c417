/**
 * Applies Calico resources to this node's dataplane: WorkloadEndpoints of this node into the
 * endpoints map; pools, nodes and IPAM blocks into routes, VTEP MACs and the host's kernel routes.
 */
import type { NativeBinding } from '../native/binding.js';
import type { Resource } from '../model/resources.js';
import { calcNodeEndpoints } from '../calc/endpoints.js';
import { calcClusterRoutes } from '../calc/routes.js';
import type { AttachModeOption } from './attach.js';
import { applyEndpoints, type DesiredEndpoint, type EndpointApplyReport } from './endpoints.js';
import { calcNodeNat } from '../calc/nat.js';
import { calcNatOutgoing } from '../calc/nat-outgoing.js';
import { syncNat, type NatSyncReport } from './nat.js';
import { syncNatOutgoing } from './nat-outgoing.js';
import { syncKernelRoutes } from './kernel-routes.js';
import { syncVteps } from './neighbours.js';
import { uplinkOf } from './node.js';
import { openNodeMaps } from './pinned-maps.js';
import { syncRoutes } from './routes.js';
import { linkInfoOf } from './interfaces.js';

export interface ApplyOptions {
  pinDir: string;
  nodeName: string;
  attachMode: AttachModeOption;
}

export interface ClusterApplyReport {
  routes: number;
  removedRoutes: number;
  vteps: number;
  kernelRoutes: number;
  /** a pool has natOutgoing: the nftables masquerade table is in place */
  natOutgoing: boolean;
  warnings: string[];
}

export interface ApplyReport {
  endpoints: EndpointApplyReport;
  nat: NatSyncReport;
  /** null when the resources held no IPPool, Node or IPAMBlock (routing state left as it was) */
  cluster: ClusterApplyReport | null;
}

const CLUSTER_KINDS = new Set(['IPPool', 'Node', 'IPAMBlock']);

export function applyResources(native: NativeBinding, opts: ApplyOptions, resources: readonly Resource[]): ApplyReport {
  const { endpoints: desired } = calcNodeEndpoints(resources, opts.nodeName);
  const endpoints = applyEndpoints(native, opts.pinDir, desired, opts.attachMode);
  const nat = applyNat(native, opts, resources, desired);
  const cluster = resources.some((r) => CLUSTER_KINDS.has(r.kind)) ? applyCluster(native, opts, resources) : null;
  return { endpoints, nat, cluster };
}

/** The floating IPs of the endpoints applied; other endpoints' entries stay. */
function applyNat(native: NativeBinding, opts: ApplyOptions, resources: readonly Resource[], applied: readonly DesiredEndpoint[]): NatSyncReport {
  const maps = openNodeMaps(native, opts.pinDir);
  try {
    return syncNat(maps, calcNodeNat(resources, opts.nodeName), new Set(applied.flatMap((e) => e.ips)));
  } finally {
    maps.close();
  }
}

/** Cluster resources describe the whole routing state: what they don't mention is removed. */
function applyCluster(native: NativeBinding, opts: ApplyOptions, resources: readonly Resource[]): ClusterApplyReport {
  const maps = openNodeMaps(native, opts.pinDir);
  try {
    const uplink = uplinkOf(maps);
    const uplinkMtu = uplink ? linkInfoOf(uplink.name).mtu : 1500;
    const calc = calcClusterRoutes(resources, { nodeName: opts.nodeName, uplinkMtu });
    const routes = syncRoutes(maps, calc.routes);
    const vteps = syncVteps(maps, calc.vteps);
    const warnings = [...calc.warnings];
    if (!uplink && calc.kernelRoutes.length > 0) warnings.push('no uplink loaded (tortie load --uplink IF): the host cannot reach remote pods');
    const kernel = syncKernelRoutes(uplink?.name ?? null, calc.kernelRoutes, calc.localNatKernelRoutes);
    for (const p of kernel.pending) warnings.push(`floating IP route not written yet (interface missing?): ${p}`);
    const natOutgoing = syncNatOutgoing(calcNatOutgoing(resources)).enabled;
    return { routes: routes.written, removedRoutes: routes.removed, vteps: vteps.written, kernelRoutes: kernel.written, natOutgoing, warnings };
  } finally {
    maps.close();
  }
}

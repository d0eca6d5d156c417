/**
 * `tortie apply`: Calico resources into this node's dataplane through the same pipeline as the
 * daemon (calc/desired.ts → dataplane/reconcile.ts), scoped to what a file can describe: the
 * endpoints it names (per interface), and the routing state only if it holds a pool, node or block.
 */
import type { NativeBinding } from '../native/binding.js';
import type { Resource } from '../model/resources.js';
import { calcDesiredState } from '../calc/desired.js';
import type { AttachModeOption } from './attach.js';
import type { PlacedEndpoint } from './desired-entries.js';
import { openNodeMaps } from './pinned-maps.js';
import { Reconciler, uplinkMtuOf, type ReconcileReport } from './reconcile.js';

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

export interface EndpointApplyReport {
  programmed: PlacedEndpoint[];
  removedIps: string[];
  /** endpoints whose interface does not exist (yet) in this namespace */
  pending: Array<{ name: string; ifname: string }>;
}

export interface NatSyncReport {
  written: number;
  removed: number;
}

export interface ApplyReport {
  endpoints: EndpointApplyReport;
  nat: NatSyncReport;
  /** null when the resources held no IPPool, Node or IPAMBlock (routing state left as it was) */
  cluster: ClusterApplyReport | null;
  /** what changed, per table */
  changes: ReconcileReport;
}

export function applyResources(native: NativeBinding, opts: ApplyOptions, resources: readonly Resource[]): ApplyReport {
  const maps = openNodeMaps(native, opts.pinDir);
  try {
    const desired = calcDesiredState(resources, { nodeName: opts.nodeName, uplinkMtu: uplinkMtuOf(maps) });
    const scope = { endpoints: 'named', cluster: desired.hasClusterResources } as const;
    const changes = new Reconciler(native).reconcile(maps, desired, { pinDir: opts.pinDir, attachMode: opts.attachMode, scope });
    const written = (c: { added: number; changed: number } | null) => (c ? c.added + c.changed : 0);
    const cluster: ClusterApplyReport | null = desired.hasClusterResources
      ? {
          routes: desired.routes.length,
          removedRoutes: changes.routes?.removed ?? 0,
          vteps: desired.vteps.length,
          kernelRoutes: written(changes.kernelRoutes),
          natOutgoing: changes.natOutgoing ?? false,
          warnings: [...desired.warnings, ...changes.warnings],
        }
      : null;
    return {
      endpoints: { programmed: changes.placed, removedIps: changes.removedEndpointIps, pending: changes.pending },
      nat: { written: written(changes.nat), removed: changes.nat.removed },
      cluster,
      changes,
    };
  } finally {
    maps.close();
  }
}

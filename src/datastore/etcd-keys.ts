// Calico's etcdv3 key layout (calico-formats.md §1.1, §1.2): which prefixes Tortie reads, and what a key
// names. v3 resources live under /calico/resources/v3/projectcalico.org/<plural>/[<namespace>/]<name>;
// IPAM blocks under /calico/ipam/v2/assignment/ipv4/block/<cidr with '/' as '-'>.
import type { ResourceKind } from '../model/resources.js';

export const CALICO_V3_ROOT = '/calico/resources/v3/projectcalico.org/';
export const IPV4_BLOCK_PREFIX = '/calico/ipam/v2/assignment/ipv4/block/';

interface V3Plural {
  kind: string;
  namespaced: boolean;
}

/** Plurals registered in libcalico-go `model/resource.go: init()` (the ones that can appear in etcd). */
const V3_PLURALS: Readonly<Record<string, V3Plural>> = {
  workloadendpoints: { kind: 'WorkloadEndpoint', namespaced: true },
  ippools: { kind: 'IPPool', namespaced: false },
  nodes: { kind: 'Node', namespaced: false },
  ipreservations: { kind: 'IPReservation', namespaced: false },
  felixconfigurations: { kind: 'FelixConfiguration', namespaced: false },
  clusterinformations: { kind: 'ClusterInformation', namespaced: false },
  profiles: { kind: 'Profile', namespaced: false },
  ipamconfigurations: { kind: 'IPAMConfiguration', namespaced: false },
  blockaffinities: { kind: 'BlockAffinity', namespaced: false },
  bgpconfigurations: { kind: 'BGPConfiguration', namespaced: false },
  bgppeers: { kind: 'BGPPeer', namespaced: false },
  bgpfilters: { kind: 'BGPFilter', namespaced: false },
  hostendpoints: { kind: 'HostEndpoint', namespaced: false },
  kubecontrollersconfigurations: { kind: 'KubeControllersConfiguration', namespaced: false },
  globalnetworkpolicies: { kind: 'GlobalNetworkPolicy', namespaced: false },
  globalnetworksets: { kind: 'GlobalNetworkSet', namespaced: false },
  networkpolicies: { kind: 'NetworkPolicy', namespaced: true },
  networksets: { kind: 'NetworkSet', namespaced: true },
  stagednetworkpolicies: { kind: 'StagedNetworkPolicy', namespaced: true },
  stagedglobalnetworkpolicies: { kind: 'StagedGlobalNetworkPolicy', namespaced: false },
  stagedkubernetesnetworkpolicies: { kind: 'StagedKubernetesNetworkPolicy', namespaced: true },
  tiers: { kind: 'Tier', namespaced: false },
  caliconodestatuses: { kind: 'CalicoNodeStatus', namespaced: false },
};

/** The v3 plurals whose resources Tortie uses; everything else in etcd is never read. */
const USED_PLURALS = ['workloadendpoints', 'ippools', 'nodes'] as const;

/** The prefixes to list and watch: one per used kind, so other Calico traffic never reaches Tortie. */
export const WATCHED_PREFIXES: readonly string[] = [...USED_PLURALS.map((p) => `${CALICO_V3_ROOT}${p}/`), IPV4_BLOCK_PREFIX];

/** What a key names. `used` is false for Calico kinds Tortie does not read (skipped, not errors). */
export type EtcdKeyInfo =
  | { used: true; kind: ResourceKind; name: string; namespace?: string; cidr?: string }
  | { used: false; kind: string; name: string; namespace?: string };

/** Parses a key of Calico's layout; undefined for keys outside it (or malformed ones). */
export function parseEtcdKey(key: string): EtcdKeyInfo | undefined {
  // hasPrefix rather than startsWith, which is several times slower (and 100,000 keys are parsed per list)
  if (hasPrefix(key, IPV4_BLOCK_PREFIX, 0)) {
    const name = key.slice(IPV4_BLOCK_PREFIX.length);
    const cidr = blockCidrFromKeyName(name);
    return cidr === undefined ? undefined : { used: true, kind: 'IPAMBlock', name, cidr };
  }
  if (!hasPrefix(key, CALICO_V3_ROOT, 0)) return undefined;
  // indexOf rather than split; nearly all keys are endpoints', whose plural is recognised without making
  // a string of it to look up
  const start = CALICO_V3_ROOT.length;
  let end: number;
  let entry: (V3Plural & { used: boolean }) | undefined;
  if (hasPrefix(key, WORKLOAD_ENDPOINTS, start)) {
    end = start + WORKLOAD_ENDPOINTS.length - 1;
    entry = WORKLOAD_ENDPOINT_INFO;
  } else {
    end = key.indexOf('/', start);
    if (end === -1) return undefined;
    entry = PLURAL_INFO.get(key.slice(start, end));
    if (entry === undefined) return undefined;
  }
  const second = key.indexOf('/', end + 1);
  let name: string;
  let namespace: string | undefined;
  if (entry.namespaced) {
    if (second === -1 || key.indexOf('/', second + 1) !== -1) return undefined;
    namespace = key.slice(end + 1, second);
    name = key.slice(second + 1);
    if (namespace === '') return undefined;
  } else {
    if (second !== -1) return undefined;
    name = key.slice(end + 1);
  }
  if (name === '') return undefined;
  if (entry.used) {
    const kind = entry.kind as ResourceKind;
    return namespace === undefined ? { used: true, kind, name } : { used: true, kind, name, namespace };
  }
  return namespace === undefined ? { used: false, kind: entry.kind, name } : { used: false, kind: entry.kind, name, namespace };
}

const PLURAL_INFO: ReadonlyMap<string, V3Plural & { used: boolean }> = new Map(
  Object.entries(V3_PLURALS).map(([plural, entry]) => [plural, { ...entry, used: (USED_PLURALS as readonly string[]).includes(plural) }]),
);

/** key.startsWith(prefix, at) */
function hasPrefix(key: string, prefix: string, at: number): boolean {
  if (key.length < at + prefix.length) return false;
  for (let i = prefix.length - 1; i >= 0; i--) if (key.charCodeAt(at + i) !== prefix.charCodeAt(i)) return false;
  return true;
}

const WORKLOAD_ENDPOINTS = 'workloadendpoints/';
const WORKLOAD_ENDPOINT_INFO = PLURAL_INFO.get('workloadendpoints')!;

/** `10.24.104.0-26` → `10.24.104.0/26` (BlockKey.defaultPath replaces '/' with '-'). */
export function blockCidrFromKeyName(name: string): string | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,2})$/.exec(name);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** The etcd key of an IPv4 AllocationBlock. */
export function blockKey(cidr: string): string {
  return `${IPV4_BLOCK_PREFIX}${cidr.replace('/', '-')}`;
}

/** The etcd key of a v3 resource of a used kind. */
export function resourceKey(kind: 'WorkloadEndpoint' | 'IPPool' | 'Node', name: string, namespace?: string): string {
  const plural = { WorkloadEndpoint: 'workloadendpoints', IPPool: 'ippools', Node: 'nodes' }[kind];
  if (kind === 'WorkloadEndpoint') return `${CALICO_V3_ROOT}${plural}/${namespace ?? 'default'}/${name}`;
  return `${CALICO_V3_ROOT}${plural}/${name}`;
}

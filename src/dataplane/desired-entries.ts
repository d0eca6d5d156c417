/**
 * Pure: the desired state as map entries, table by table, with each table's key identity and the
 * entries its writer owns. The only inputs from the outside world are passed in: interface indexes
 * (endpoints are keyed to the ifindex their interface has now) and the current endpoint entries
 * (a MAC the program learned is kept).
 */
import type { NatEntry } from '../calc/nat.js';
import { routeEntryKey } from '../calc/route-format.js';
import type { RouteEntry, VtepEntry } from '../calc/routes.js';
import {
  NEIGH_VTEP_IFINDEX,
  NatDir,
  NudState,
  RouteType,
  type Endpoint,
  type EndpointKey,
  type NatKeyValue,
  type NatValueValue,
  type NeighKeyValue,
  type NeighValue,
  type RouteKeyValue,
  type RouteValue,
} from './abi.js';
import { endpointValue, type DesiredEndpoint } from './endpoints.js';

export type Entry<K, V> = [K, V];

export interface PlacedEndpoint {
  name: string;
  ifname: string;
  ifindex: number;
  ips: string[];
}

export interface EndpointEntries {
  entries: Array<Entry<EndpointKey, Endpoint>>;
  placed: PlacedEndpoint[];
  /** endpoints whose interface does not exist (yet) in this namespace */
  pending: Array<{ name: string; ifname: string }>;
}

export function endpointEntries(
  endpoints: readonly DesiredEndpoint[],
  ifindexOf: (ifname: string) => number,
  current: ReadonlyMap<string, Endpoint>,
): EndpointEntries {
  const out: EndpointEntries = { entries: [], placed: [], pending: [] };
  for (const ep of endpoints) {
    const ifindex = ifindexOf(ep.ifname);
    if (ifindex === 0) {
      out.pending.push({ name: ep.name, ifname: ep.ifname });
      continue;
    }
    for (const ip of ep.ips) out.entries.push([{ addr: ip }, endpointValue(ep, ip, ifindex, current.get(ip))]);
    out.placed.push({ name: ep.name, ifname: ep.ifname, ifindex, ips: ep.ips });
  }
  return out;
}

export function routeEntry(r: RouteEntry): Entry<RouteKeyValue, RouteValue> {
  return [routeEntryKey(r.cidr), { type: RouteType[r.type], flags: r.flags, nextHop: r.nextHop, ifindex: 0 }];
}

export function routeEntries(routes: readonly RouteEntry[]): Array<Entry<RouteKeyValue, RouteValue>> {
  return routes.map(routeEntry);
}

export function vtepEntry(v: VtepEntry): Entry<NeighKeyValue, NeighValue> {
  return [{ ifindex: NEIGH_VTEP_IFINDEX, addr: v.nodeIp }, { mac: v.mac, state: NudState.PERMANENT }];
}

export function vtepEntries(vteps: readonly VtepEntry[]): Array<Entry<NeighKeyValue, NeighValue>> {
  return vteps.map(vtepEntry);
}

const NAT_DIR = { dnat: NatDir.Dnat, snat: NatDir.Snat } as const;

export function natEntries(nat: readonly NatEntry[]): Array<Entry<NatKeyValue, NatValueValue>> {
  return nat.map((e) => [{ dir: NAT_DIR[e.dir], addr: e.from }, { addr: e.to }]);
}

/** The pod IP a NAT entry is about: the DNAT target, or the SNAT key. */
export function natInternalIp(key: NatKeyValue, value: NatValueValue): string {
  return key.dir === NatDir.Dnat ? value.addr : key.addr;
}

/** Key identities, so that a key read back from the kernel matches the one we computed. */
export const keyOf = {
  endpoint: (k: EndpointKey) => k.addr,
  route: (k: RouteKeyValue) => `${k.addr}/${k.prefixLen}`,
  neigh: (k: NeighKeyValue) => `${k.ifindex}/${k.addr}`,
  nat: (k: NatKeyValue) => `${k.dir}/${k.addr}`,
} as const;

/**
 * Who owns what. The daemon sees the whole cluster and owns every endpoint and NAT entry; `tortie
 * apply` of a file owns only the interfaces and pod IPs that file names. Static VTEP entries live
 * under the pseudo-ifindex 0; every other tt_neigh entry is the kernel mirror's.
 */
export const owns = {
  vtep: (k: NeighKeyValue) => k.ifindex === NEIGH_VTEP_IFINDEX,
  endpointIn: (ifindexes: ReadonlySet<number>, ips: ReadonlySet<string>) => (k: EndpointKey, v: Endpoint) =>
    ifindexes.has(v.ifindex) || ips.has(k.addr),
  natOf: (ips: ReadonlySet<string>) => (k: NatKeyValue, v: NatValueValue) => ips.has(natInternalIp(k, v)),
  all: () => true,
} as const;

/**
 * The maps of bpf/lib/maps.h with their codecs and layout versions.
 * A layout change bumps `version`, which changes the pin name, so an old pinned map is never
 * misread by a new build.
 */
import { u32, u64 } from '../codec.js';
import { EpKey, EpValue, FwdEntry, FwdKey, IfState, NatCtKey, NatCtValue, NatKey, NatValue, Neigh, NeighKey, Route, RouteKey } from '../abi.js';
import type { MapDef } from '../typed-map.js';

export const endpointsMap = {
  name: 'tt_endpoints',
  version: 1,
  key: EpKey,
  value: EpValue,
} satisfies MapDef<unknown, unknown>;

export const ifstateMap = {
  name: 'tt_ifstate',
  version: 1,
  key: u32,
  value: IfState,
} satisfies MapDef<unknown, unknown>;

export const countersMap = {
  name: 'tt_counters',
  version: 1,
  key: u32,
  value: u64,
  perCpu: true,
} satisfies MapDef<unknown, unknown>;

export const routesMap = {
  name: 'tt_routes',
  version: 1,
  key: RouteKey,
  value: Route,
} satisfies MapDef<unknown, unknown>;

export const neighMap = {
  name: 'tt_neigh',
  version: 1,
  key: NeighKey,
  value: Neigh,
} satisfies MapDef<unknown, unknown>;

export const natMap = {
  name: 'tt_nat',
  version: 1,
  key: NatKey,
  value: NatValue,
} satisfies MapDef<unknown, unknown>;

export const natCtMap = {
  name: 'tt_nat_ct',
  version: 1,
  key: NatCtKey,
  value: NatCtValue,
} satisfies MapDef<unknown, unknown>;

export const fwdCacheMap = {
  name: 'tt_fwd_cache',
  version: 1,
  key: FwdKey,
  value: FwdEntry,
} satisfies MapDef<unknown, unknown>;

export const epochMap = {
  name: 'tt_epoch',
  version: 1,
  key: u32,
  value: u64,
} satisfies MapDef<unknown, unknown>;

/** Every map Tortie pins, in the order they are listed by `status`. */
export const PINNED_MAPS = [endpointsMap, routesMap, neighMap, natMap, natCtMap, ifstateMap, countersMap, fwdCacheMap, epochMap] as const;

/** Writes the routes map from calculated routes: the map ends up holding exactly `entries`. */
import { RouteType, type RouteKeyValue, type RouteTypeName, type RouteValue } from './abi.js';
import type { NodeMaps } from './pinned-maps.js';
import { routeEntryKey } from '../calc/route-format.js';

export interface DesiredRoute {
  cidr: string;
  type: RouteTypeName;
  flags: number;
  nextHop: string;
}

const keyString = (k: RouteKeyValue) => `${k.addr}/${k.prefixLen}`;

export interface RouteSyncReport {
  written: number;
  removed: number;
}

export function syncRoutes(maps: NodeMaps, desired: readonly DesiredRoute[]): RouteSyncReport {
  const wanted = new Map<string, [RouteKeyValue, RouteValue]>();
  for (const r of desired) {
    const key = routeEntryKey(r.cidr);
    wanted.set(keyString(key), [key, { type: RouteType[r.type], flags: r.flags, nextHop: r.nextHop, ifindex: 0 }]);
  }
  let removed = 0;
  for (const key of maps.routes.keys()) {
    if (!wanted.has(keyString(key))) {
      maps.routes.delete(key);
      removed++;
    }
  }
  // LPM tries have no batch update in older kernels; the set is small (blocks, not pods).
  for (const [key, value] of wanted.values()) maps.routes.update(key, value);
  return { written: wanted.size, removed };
}

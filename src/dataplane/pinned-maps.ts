/** Opens the maps a loaded Tortie instance pinned, for the CLI and the controller. */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBinding } from '../native/binding.js';
import type { Endpoint, EndpointKey, FwdEntryValue, FwdKeyValue, NatCtKeyValue, NatCtValueValue, NatKeyValue, NatValueValue, IfStateValue, NeighKeyValue, NeighValue, RouteKeyValue, RouteValue } from './abi.js';
import { pinLayout } from './bpffs.js';
import { countersMap, endpointsMap, epochMap, fwdCacheMap, ifstateMap, natCtMap, natMap, neighMap, routesMap } from './maps/index.js';
import { PerCpuMap, TypedMap, pinName, type MapDef } from './typed-map.js';

export class NotLoadedError extends Error {
  constructor(readonly pinDir: string, readonly missing: string) {
    super(`Tortie is not loaded in ${pinDir} (no pinned ${missing}): run \`tortie load\` first`);
    this.name = 'NotLoadedError';
  }
}

export function mapPinPath(pinDir: string, def: MapDef<unknown, unknown>): string {
  return join(pinLayout(pinDir).maps, pinName(def));
}

function openPinned(native: NativeBinding, pinDir: string, def: MapDef<unknown, unknown>): number {
  const path = mapPinPath(pinDir, def);
  if (!existsSync(path)) throw new NotLoadedError(pinDir, pinName(def));
  return native.objGet(path);
}

export interface NodeMaps {
  endpoints: TypedMap<EndpointKey, Endpoint>;
  routes: TypedMap<RouteKeyValue, RouteValue>;
  neigh: TypedMap<NeighKeyValue, NeighValue>;
  ifstate: TypedMap<number, IfStateValue>;
  counters: PerCpuMap<number, bigint>;
  /** floating IPs, both directions */
  nat: TypedMap<NatKeyValue, NatValueValue>;
  /** which floating IP each peer of a pod used (written by the programs) */
  natCt: TypedMap<NatCtKeyValue, NatCtValueValue>;
  /** resolved next hops of remote destinations, filled by tt_from_wep */
  fwdCache: TypedMap<FwdKeyValue, FwdEntryValue>;
  epoch: TypedMap<number, bigint>;
  close(): void;
}

export function openNodeMaps(native: NativeBinding, pinDir: string): NodeMaps {
  return mapsFromFds(native, {
    endpoints: openPinned(native, pinDir, endpointsMap),
    routes: openPinned(native, pinDir, routesMap),
    neigh: openPinned(native, pinDir, neighMap),
    ifstate: openPinned(native, pinDir, ifstateMap),
    counters: openPinned(native, pinDir, countersMap),
    nat: openPinned(native, pinDir, natMap),
    natCt: openPinned(native, pinDir, natCtMap),
    fwdCache: openPinned(native, pinDir, fwdCacheMap),
    epoch: openPinned(native, pinDir, epochMap),
  });
}

/** Wraps map fds (e.g. from a freshly loaded test object) in typed maps; the result owns the fds. */
export interface NodeMapFds {
  endpoints: number;
  routes: number;
  neigh: number;
  ifstate: number;
  counters: number;
  nat: number;
  natCt: number;
  fwdCache: number;
  epoch: number;
}

/**
 * tt_fwd_cache entries are built from routes and neighbours: every write to those renews the epoch,
 * which outdates every entry at once. A random value, so that two writers (the daemon and a CLI)
 * can never produce an epoch an old entry still carries.
 */
function epochRenewer(epoch: TypedMap<number, bigint>): () => void {
  return () => epoch.update(0, randomBytes(8).readBigUInt64LE());
}

export function mapsFromFds(native: NativeBinding, fds: NodeMapFds): NodeMaps {
  const epoch = new TypedMap(epochMap, fds.epoch, native);
  const renewEpoch = epochRenewer(epoch);
  const endpoints = new TypedMap(endpointsMap, fds.endpoints, native);
  const routes = new TypedMap(routesMap, fds.routes, native, renewEpoch);
  const neigh = new TypedMap(neighMap, fds.neigh, native, renewEpoch);
  const nat = new TypedMap(natMap, fds.nat, native);
  const natCt = new TypedMap(natCtMap, fds.natCt, native);
  const fwdCache = new TypedMap(fwdCacheMap, fds.fwdCache, native);
  const ifstate = new TypedMap(ifstateMap, fds.ifstate, native);
  const counters = new PerCpuMap(countersMap, fds.counters, native);
  return {
    endpoints,
    routes,
    neigh,
    ifstate,
    counters,
    nat,
    natCt,
    fwdCache,
    epoch,
    close() {
      endpoints.close();
      routes.close();
      neigh.close();
      ifstate.close();
      counters.close();
      nat.close();
      natCt.close();
      fwdCache.close();
      epoch.close();
    },
  };
}

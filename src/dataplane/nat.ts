/**
 * Programs tt_nat from the calculated floating IPs. Entries are replaced per internal IP: an apply
 * that names some endpoints leaves the floating IPs of the others alone.
 */
import { NatDir, type NatKeyValue } from './abi.js';
import type { NatEntry } from '../calc/nat.js';
import type { NodeMaps } from './pinned-maps.js';

export interface NatSyncReport {
  written: number;
  removed: number;
}

const DIR = { dnat: NatDir.Dnat, snat: NatDir.Snat } as const;

/** @param scope internal IPs whose entries `desired` describes completely; null: the whole table */
export function syncNat(maps: NodeMaps, desired: readonly NatEntry[], scope: ReadonlySet<string> | null): NatSyncReport {
  const key = (e: NatEntry): NatKeyValue => ({ dir: DIR[e.dir], addr: e.from });
  const wanted = new Map(desired.map((e) => [`${DIR[e.dir]}/${e.from}`, e]));
  let removed = 0;
  for (const [k, v] of maps.nat.entries()) {
    const internal = k.dir === NatDir.Dnat ? v.addr : k.addr;
    const want = wanted.get(`${k.dir}/${k.addr}`);
    if (want?.to === v.addr || (scope && !scope.has(internal))) {
      if (want?.to === v.addr) wanted.delete(`${k.dir}/${k.addr}`);
      continue;
    }
    if (!want) {
      maps.nat.delete(k);
      removed++;
    }
  }
  for (const e of wanted.values()) maps.nat.update(key(e), { addr: e.to });
  return { written: wanted.size, removed };
}

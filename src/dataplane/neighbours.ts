/**
 * Mirrors the uplink's kernel neighbour table into tt_neigh (with the kernel's NUD states). The
 * static VTEP entries (remote VXLAN tunnel MACs, pseudo-ifindex 0) are the reconciler's.
 */
import type { NativeBinding, NeighEntry, NeighEvent } from '../native/binding.js';
import type { NeighKeyValue, NeighValue } from './abi.js';
import type { NodeMaps } from './pinned-maps.js';

const NO_MAC = '00:00:00:00:00:00';

function toValue(entry: Pick<NeighEntry, 'mac' | 'state'>): NeighValue {
  return { mac: entry.mac ?? NO_MAC, state: entry.state };
}

export interface MirrorReport {
  written: number;
  removed: number;
}

/** Full resync of one interface's entries: the map ends up equal to the kernel table. */
export function mirrorNeighbours(native: NativeBinding, maps: NodeMaps, ifindex: number): MirrorReport {
  const kernel = native.neighList(ifindex).filter((e) => e.ifindex === ifindex);
  const wanted = new Set(kernel.map((e) => e.ip));
  let removed = 0;
  for (const key of maps.neigh.keys()) {
    if (key.ifindex === ifindex && !wanted.has(key.addr)) {
      maps.neigh.delete(key);
      removed++;
    }
  }
  maps.neigh.updateMany(kernel.map((e) => [{ ifindex, addr: e.ip }, toValue(e)] as const));
  return { written: kernel.length, removed };
}

/** Applies one batch of netlink events for `ifindex` to the map. */
export function applyNeighbourEvents(maps: NodeMaps, ifindex: number, events: readonly NeighEvent[]): number {
  let applied = 0;
  for (const ev of events) {
    if (ev.ifindex !== ifindex) continue;
    const key: NeighKeyValue = { ifindex, addr: ev.ip };
    if (ev.type === 'del') maps.neigh.delete(key);
    else maps.neigh.update(key, toValue(ev));
    applied++;
  }
  return applied;
}

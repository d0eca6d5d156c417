/**
 * The kernel neighbour table as `ip neigh` shows it: NUD state names, listing and watching one
 * interface. Thin over the addon's rtnetlink calls, which act in the calling thread's current netns.
 */
import type { NativeBinding, NeighEntry, NeighEvent, NeighWatchInfo, NeighWatcher } from '../native/binding.js';
import { NudState } from './abi.js';

export type NudName = keyof typeof NudState;

/** NUD_* bit -> its `ip neigh` name (0x80 -> 'PERMANENT'). */
export const NUD_NAMES: Readonly<Record<number, NudName>> = Object.freeze(
  Object.fromEntries(Object.entries(NudState).map(([name, bit]) => [bit, name as NudName])),
);

/** Like `ip neigh`: the names of the set bits, space separated; 'NONE' for 0; unknown bits in hex. */
export function formatNudState(state: number): string {
  if (state === 0) return 'NONE';
  const parts: string[] = [];
  let unknown = 0;
  for (let bit = 1; bit <= state && bit <= 0x8000; bit <<= 1) {
    if (!(state & bit)) continue;
    const name = NUD_NAMES[bit];
    if (name) parts.push(name);
    else unknown |= bit;
  }
  if (unknown) parts.push(`0x${unknown.toString(16)}`);
  return parts.join(' ');
}

/** The AF_INET entries on `ifindex` (0 = every interface). */
export function listNeighbours(native: NativeBinding, ifindex: number): NeighEntry[] {
  return native.neighList(ifindex);
}

/**
 * Calls `onChange` with the events for `ifindex` (0 = every interface); batches with none are
 * skipped, except overruns: on `info.overrun` drop what you know and resync with listNeighbours.
 * The watcher keeps the process alive until close().
 */
export function watchNeighbours(
  native: NativeBinding,
  ifindex: number,
  onChange: (events: NeighEvent[], info: NeighWatchInfo) => void,
): NeighWatcher {
  return native.neighWatch((events, info) => {
    const mine = ifindex === 0 ? events : events.filter((e) => e.ifindex === ifindex);
    if (mine.length > 0 || info.overrun) onChange(mine, info);
  });
}

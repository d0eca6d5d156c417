/**
 * The uplink's neighbour mirror, in-process: netlink neighbour events applied to tt_neigh as they
 * come, with a full resync after lost events. Only the uplink's entries are touched; the static
 * VTEP entries (pseudo-ifindex 0) are the reconciler's.
 */
import type { NativeBinding, NeighWatcher } from '../native/binding.js';
import { applyNeighbourEvents, mirrorNeighbours } from '../dataplane/neighbours.js';
import type { NodeMaps } from '../dataplane/pinned-maps.js';
import type { Logger } from './log.js';

export class NeighbourMirror {
  private watcher: NeighWatcher | null = null;
  private stopped = false;

  constructor(
    private readonly native: NativeBinding,
    private readonly maps: NodeMaps,
    private readonly uplinkIfindex: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    // Subscribe before the dump, so no change falls between the two.
    this.watcher = this.native.neighWatch((events, info) => {
      if (info.error) {
        this.log.warn('neighbour watch failed; reopening', { error: info.error });
        this.watcher = null;
        if (!this.stopped) setTimeout(() => !this.stopped && this.start(), 1000).unref();
        return;
      }
      if (info.overrun) this.resync('overrun');
      else applyNeighbourEvents(this.maps, this.uplinkIfindex, events);
    });
    this.resync('start');
  }

  private resync(why: string): void {
    const report = mirrorNeighbours(this.native, this.maps, this.uplinkIfindex);
    this.log.debug('neighbour mirror resynced', { why, ...report });
  }

  stop(): void {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
  }
}

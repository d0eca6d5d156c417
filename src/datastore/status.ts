// The status both datastores keep: state transitions are announced once, lastSync/revision just updated.
import type { DatastoreState, DatastoreStatus } from './types.js';

export class StatusTracker {
  private state: DatastoreState = 'connecting';
  private lastSync: Date | null = null;
  private revision: string | undefined;

  /** `announce` is called with the new status whenever the state changes (not on every sync). */
  constructor(private readonly announce: (status: DatastoreStatus) => void) {}

  get(): DatastoreStatus {
    const status: DatastoreStatus = { state: this.state, lastSync: this.lastSync };
    if (this.revision !== undefined) status.revision = this.revision;
    return status;
  }

  /** The view matches the source (as of `revision`, for etcd). */
  synced(revision?: string): void {
    this.lastSync = new Date();
    if (revision !== undefined) this.revision = revision;
    this.setState('in-sync');
  }

  /** Only moves the revision forward; the view reflects the newest revision any watch has delivered. */
  advance(revision: string): void {
    if (this.revision === undefined || BigInt(revision) > BigInt(this.revision)) this.revision = revision;
    this.lastSync = new Date();
  }

  setState(state: DatastoreState): void {
    if (state === this.state) return;
    this.state = state;
    this.announce(this.get());
  }
}

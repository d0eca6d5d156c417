/** A DatastoreListener that records every call and keeps the view it implies, for datastore tests. */
import type { Resource, ResourceError } from '../../src/model/resources.js';
import type {
  DatastoreListener,
  DatastoreState,
  DatastoreStatus,
  DatastoreUpdate,
} from '../../src/datastore/types.js';

export class RecordingListener implements DatastoreListener {
  readonly snapshots: Map<string, Resource>[] = [];
  readonly updates: DatastoreUpdate[] = [];
  readonly invalid: ResourceError[] = [];
  readonly states: DatastoreState[] = [];
  /** snapshot + updates applied, as a daemon would hold it */
  view = new Map<string, Resource>();
  private waiters: Array<() => void> = [];

  onSnapshot(resources: ReadonlyMap<string, Resource>): void {
    this.snapshots.push(new Map(resources));
    this.view = new Map(resources);
    this.notify();
  }

  onUpdate(update: DatastoreUpdate): void {
    this.updates.push(update);
    for (const key of update.deletes) this.view.delete(key);
    for (const [key, resource] of update.upserts) this.view.set(key, resource);
    this.notify();
  }

  onInvalid(error: ResourceError): void {
    this.invalid.push(error);
    this.notify();
  }

  onStatus(status: DatastoreStatus): void {
    this.states.push(status.state);
    this.notify();
  }

  /** Forget the recorded calls (the view stays). */
  reset(): void {
    this.snapshots.length = 0;
    this.updates.length = 0;
    this.invalid.length = 0;
    this.states.length = 0;
  }

  /** Resolves with the first truthy value of `check`, re-evaluated after every call; rejects after `timeoutMs`. */
  async waitFor<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 5_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== null && value !== false) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Lets pending fs/network events arrive, to check that nothing (more) was reported. */
export const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

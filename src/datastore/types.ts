/**
 * One interface for every source of cluster state (file, etcd). A datastore keeps the daemon's view
 * of the cluster: a set of validated Resources, each under a stable key (an etcd key, or
 * `<file>#<kind>/<namespace>/<name>` for files). Invalid entries are reported and left out; they
 * never stop the rest.
 */
import type { Resource, ResourceError } from '../model/resources.js';

export type DatastoreType = 'file' | 'etcd';

/** `connecting` until the first full read, `in-sync` while watching, `disconnected` while retrying. */
export type DatastoreState = 'connecting' | 'in-sync' | 'disconnected';

export interface DatastoreStatus {
  state: DatastoreState;
  /** when the view last matched the source (a full read or a processed watch event) */
  lastSync: Date | null;
  /** etcd: the revision the view reflects; file: undefined */
  revision?: string;
}

/** Incremental change: keys whose resource is new or changed, and keys that are gone (or became invalid). */
export interface DatastoreUpdate {
  upserts: ReadonlyMap<string, Resource>;
  deletes: readonly string[];
}

export interface DatastoreListener {
  /** The complete view; replaces everything known before (first read, and every re-list after a lost watch). */
  onSnapshot(resources: ReadonlyMap<string, Resource>): void;
  onUpdate(update: DatastoreUpdate): void;
  /** An entry that failed validation: logged by the daemon with its key and field paths, then skipped. */
  onInvalid(error: ResourceError): void;
  onStatus(status: DatastoreStatus): void;
}

export interface Datastore {
  readonly type: DatastoreType;
  /** Reads everything, calls onSnapshot, then keeps watching until stop(). Resolves after the first snapshot
   * or rejects if the first read fails for good (e.g. the file does not exist). Reconnects by itself. */
  start(listener: DatastoreListener): Promise<void>;
  stop(): Promise<void>;
  status(): DatastoreStatus;
}

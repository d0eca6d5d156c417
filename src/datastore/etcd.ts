// Cluster state from Calico's etcdv3 datastore. One consistent list of the watched prefixes (one
// revision), then one watch per prefix from the next revision. Each watch remembers the last revision
// it applied, so after a lost connection it resumes exactly where it stopped and replays what was
// missed; only when etcd has compacted that revision away (etcd cancels the watch) is everything listed
// again and sent as a new snapshot.
//
// etcd3 pitfall: cancelling a watch that etcd is cancelling at the same moment makes the client throw
// from inside its stream handler ("Failed to find watcher"), which would crash the process. So watches
// are only cancelled while the stream is down (cancel() then just forgets them) or on stop(); after a
// compaction the watches etcd did not cancel stay, and events they deliver that the new list already
// holds are skipped by revision.
//
// With `nodeName` set, other nodes' WorkloadEndpoints are kept slim: only {apiVersion, kind, metadata:
// {name, namespace}, spec: {node, ipNetworks, ipNATs (internalIP, externalIP), interfaceName}}, what
// routing to them needs. Those fields are read straight from the value's bytes and checked as the
// WorkloadEndpoint schema checks them (etcd-decode.ts), so they are still valid WorkloadEndpoints and a
// bad address or interface name is still reported with its key and field path; the dropped fields are
// neither kept nor checked (the value must still be JSON). This node's endpoints, and every endpoint
// without `nodeName`, keep all their fields. For 100,000 endpoints (bench/datastore-sync.ts) an endpoint
// in the view is ~0.45 kB instead of ~1.3 kB.
import { isRecoverableError, type Etcd3, type IWatchResponse, type Watcher } from 'etcd3';
import type { Resource, ResourceError } from '../model/resources.js';
import { Backoff } from './backoff.js';
import { createEtcdClient, type EtcdConnectionOptions } from './etcd-client.js';
import { decodeEtcdValue, type DecodeOptions } from './etcd-decode.js';
import { WATCHED_PREFIXES } from './etcd-keys.js';
import { DEFAULT_LIST_PAGE_SIZE, isCompactedError, listPrefixes } from './etcd-list.js';
import { applyWatchEvents } from './etcd-view.js';
import { StatusTracker } from './status.js';
import type { Datastore, DatastoreListener, DatastoreStatus } from './types.js';

export interface EtcdDatastoreOptions extends EtcdConnectionOptions {
  /** ms before the first retry after a failure; doubles up to `retryMaxMs`. Default 100. */
  retryMinMs?: number;
  /** Default 5000. */
  retryMaxMs?: number;
  /** the most keys per list request (pages are also kept near 8 MB). Default DEFAULT_LIST_PAGE_SIZE (10,000). */
  pageSize?: number;
  /** This node: other nodes' WorkloadEndpoints are kept slim (see the file comment). Default: all kept whole. */
  nodeName?: string;
}

/** One watched prefix. */
interface WatchSlot {
  prefix: string;
  /** the newest revision whose events under `prefix` are all in the view */
  applied: bigint;
  watcher: Watcher | undefined;
  connected: boolean;
  /** which list the watch was started after (see EtcdDatastore.listCount) */
  listNumber: number;
}

/** How long after a snapshot the view handed out is copied, unless a change needs it sooner (see list). */
const VIEW_COPY_DELAY_MS = 1_000;
export class EtcdDatastore implements Datastore {
  readonly type = 'etcd' as const;
  private client: Etcd3 | undefined;
  private listener: DatastoreListener | undefined;
  private readonly tracker = new StatusTracker((status) => this.listener?.onStatus(status));
  private readonly backoff: Backoff;
  private readonly pageSize: number;
  private readonly decodeOptions: DecodeOptions;
  private view = new Map<string, Resource>();
  /** Whether `view` is the map the last onSnapshot handed out, which must then not change (see ownView). */
  private viewShared = false;
  private readonly slots: WatchSlot[] = WATCHED_PREFIXES.map((prefix) => ({
    prefix,
    applied: 0n,
    watcher: undefined,
    connected: false,
    listNumber: 0,
  }));
  /** Full lists done so far; a watch started before the latest list cannot need another one. */
  private listCount = 0;
  private needsList = false;
  private recovering = false;
  private recoverAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeSleeper: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly options: EtcdDatastoreOptions) {
    this.backoff = new Backoff(options.retryMinMs ?? 100, options.retryMaxMs ?? 5_000);
    this.pageSize = options.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
    this.decodeOptions = options.nodeName === undefined ? {} : { nodeName: options.nodeName };
  }

  status(): DatastoreStatus {
    return this.tracker.get();
  }

  async start(listener: DatastoreListener): Promise<void> {
    if (this.listener) throw new Error('etcd datastore: start() was already called');
    this.listener = listener;
    this.client = await createEtcdClient(this.options);
    // etcd may come up after us: retry what can heal (unreachable, timeouts); refuse what cannot (auth).
    for (;;) {
      try {
        await this.list();
      } catch (err) {
        if (!isRecoverableError(err as Error) && !isCompactedError(err)) {
          this.client.close();
          const where = this.options.endpoints.join(', ');
          throw new Error(`etcd datastore: cannot read from ${where}: ${(err as Error).message}`, { cause: err });
        }
        await this.sleep(this.backoff.next());
      }
      if (this.stopped) throw new Error('etcd datastore: stopped before the first snapshot');
      if (this.listCount > 0) break;
    }
    this.backoff.reset();
    this.openMissingWatches();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.wakeSleeper?.();
    const cancels = this.slots.map((slot) => this.forgetWatch(slot));
    // A cancel waits for etcd's answer; do not hang on an etcd that is gone.
    await Promise.race([Promise.allSettled(cancels), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    this.client?.close();
  }

  /** Lists every watched prefix at one revision and replaces the view with it (onSnapshot). */
  private async list(): Promise<void> {
    const view = new Map<string, Resource>();
    const errors: ResourceError[] = [];
    const decodeOptions = this.decodeOptions;
    // Its own connection, closed after: the HTTP/2 session of a 100 MB list keeps ~70 MB of native
    // memory for as long as it lives, and the watches live on.
    const lister = await createEtcdClient(this.options);
    let revision: string;
    try {
      revision = await listPrefixes(lister, WATCHED_PREFIXES, this.pageSize, (page, from, to) => {
        for (let i = from; i < to; i++) {
          const key = page.key(i);
          const result = decodeEtcdValue(key, page.valueBuffer(i), page.valueStart(i), page.valueEnd(i), decodeOptions);
          if (result.status === 'ok') view.set(key, result.resource);
          else if (result.status === 'error') errors.push(result.error);
        }
      });
    } finally {
      lister.close();
    }
    if (this.stopped) return;
    this.view = view;
    this.listCount++;
    // Watches still running go on from where they are; what they deliver up to `revision` is skipped.
    for (const slot of this.slots) slot.applied = BigInt(revision);
    for (const error of errors) this.listener!.onInvalid(error);
    // The listener gets the view itself, and the view is copied afterwards, before anything changes it:
    // 110,000 entries take 30-60 ms to copy, which neither the snapshot nor the listener's first work on
    // it (a daemon's first pass) need wait for. A change that comes sooner copies it first.
    this.viewShared = true;
    this.listener!.onSnapshot(view);
    setTimeout(() => this.ownView(), VIEW_COPY_DELAY_MS).unref();
    this.tracker.synced(revision);
  }

  /** The view, copied first if it is the one handed out by onSnapshot. */
  private ownView(): Map<string, Resource> {
    if (this.viewShared) {
      this.view = new Map(this.view);
      this.viewShared = false;
    }
    return this.view;
  }

  private openMissingWatches(): void {
    for (const slot of this.slots) if (slot.watcher === undefined) this.openWatch(slot);
  }

  private openWatch(slot: WatchSlot): void {
    const from = (slot.applied + 1n).toString();
    // watcher() attaches at once, so every handler is in place before the first event can arrive.
    const watcher = this.client!.watch().prefix(slot.prefix).startRevision(from).watcher();
    slot.watcher = watcher;
    slot.connected = false;
    slot.listNumber = this.listCount;
    const current = () => slot.watcher === watcher && !this.stopped;
    watcher.on('connected', () => {
      if (!current()) return;
      slot.connected = true;
      if (this.slots.every((s) => s.connected)) {
        this.backoff.reset();
        this.tracker.synced();
      }
    });
    watcher.on('data', (response) => {
      if (current()) this.applyResponse(slot, response);
    });
    // The stream is down (every watch gets this): keep the view, reconnect later, resume from `applied`.
    watcher.on('disconnected', () => {
      if (current()) this.streamLost();
    });
    // etcd cancelled this watch: the revision it needs was compacted (or it refuses to serve it).
    watcher.on('error', () => {
      if (!current()) return;
      slot.watcher = undefined; // etcd3 has already dropped it
      slot.connected = false;
      // Started before the latest list? Then that list already covers what it missed: just watch again.
      if (slot.listNumber < this.listCount) this.openWatch(slot);
      else {
        this.needsList = true;
        this.scheduleRecovery(this.backoff.next()); // backoff: etcd might keep refusing this watch
      }
    });
  }

  /** Drops the slot's watch. Only safe while the stream is down, or on stop() (see the file comment). */
  private forgetWatch(slot: WatchSlot): Promise<void> {
    const watcher = slot.watcher;
    slot.watcher = undefined;
    slot.connected = false;
    return watcher ? watcher.cancel().catch(() => undefined) : Promise.resolve();
  }

  private streamLost(): void {
    // etcd3 is idle now, so cancel() only forgets the watches; they are opened again by recover().
    for (const slot of this.slots) void this.forgetWatch(slot);
    this.tracker.setState('disconnected');
    this.scheduleRecovery(this.backoff.next());
  }

  private scheduleRecovery(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.recover(), delayMs);
  }

  /** List again if a watch was compacted away, then (re)open every watch that is not running. */
  private async recover(): Promise<void> {
    if (this.stopped) return;
    if (this.recovering) {
      this.recoverAgain = true;
      return;
    }
    this.recovering = true;
    try {
      if (this.needsList) {
        await this.list();
        this.needsList = false;
      }
      if (!this.stopped) this.openMissingWatches();
    } catch {
      this.tracker.setState('disconnected');
      this.scheduleRecovery(this.backoff.next());
    } finally {
      this.recovering = false;
      if (this.recoverAgain) {
        this.recoverAgain = false;
        this.scheduleRecovery(0);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** One watch response (often a whole transaction) → at most one onUpdate, after the onInvalid reports. */
  private applyResponse(slot: WatchSlot, response: IWatchResponse): void {
    const { update, invalid, newest } = applyWatchEvents(this.ownView(), response.events, slot.applied, this.decodeOptions);
    slot.applied = newest;
    // A response without events is a progress notification: etcd sends those only to watches that
    // have caught up, so everything under the prefix up to its revision is applied.
    if (response.events.length === 0 && BigInt(response.header.revision) > slot.applied) {
      slot.applied = BigInt(response.header.revision);
    }
    this.tracker.advance(slot.applied.toString());
    const listener = this.listener!;
    for (const error of invalid) listener.onInvalid(error);
    if (update.upserts.size > 0 || update.deletes.length > 0) listener.onUpdate(update);
  }
}

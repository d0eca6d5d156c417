// The etcd datastore's view and how watch events change it: a pure step, kept apart from the
// connection handling so it can be tested without an etcd.
import type { Resource, ResourceError } from '../model/resources.js';
import { decodeEtcdEntry, type DecodeOptions } from './etcd-decode.js';
import type { DatastoreUpdate } from './types.js';

/** The part of an etcd watch event the view needs (etcd3's IEvent has this shape). */
export interface WatchEvent {
  type: 'Put' | 'Delete';
  kv: { key: Buffer; value: Buffer; mod_revision: string };
}

export interface AppliedEvents {
  update: DatastoreUpdate;
  invalid: ResourceError[];
  /** the newest revision among the events applied, or `after` if none were */
  newest: bigint;
}

/**
 * Applies the events newer than `after` (older ones are already in the view: they were part of a list at
 * a later revision) to `view`, in order. Per key only the end result counts: a key put and deleted in
 * the same batch is not reported at all unless it was in the view before. A value that fails validation
 * leaves the view (it is what etcd holds now) and is reported.
 */
export function applyWatchEvents(
  view: Map<string, Resource>,
  events: readonly WatchEvent[],
  after: bigint,
  options?: DecodeOptions,
): AppliedEvents {
  let newest = after;
  /** per key touched: was it in the view before this batch? */
  const touched = new Map<string, boolean>();
  const invalid: ResourceError[] = [];
  for (const event of events) {
    const revision = BigInt(event.kv.mod_revision); // for a delete: the revision of the deletion
    if (revision <= after) continue;
    if (revision > newest) newest = revision;
    const key = event.kv.key.toString();
    if (!touched.has(key)) touched.set(key, view.has(key));
    if (event.type === 'Delete') {
      view.delete(key);
      continue;
    }
    const result = decodeEtcdEntry(key, event.kv.value, options);
    if (result.status === 'ok') {
      view.set(key, result.resource);
    } else {
      view.delete(key);
      if (result.status === 'error') invalid.push(result.error);
    }
  }
  const upserts = new Map<string, Resource>();
  const deletes: string[] = [];
  for (const [key, wasInView] of touched) {
    const resource = view.get(key);
    if (resource !== undefined) upserts.set(key, resource);
    else if (wasInView) deletes.push(key);
  }
  return { update: { upserts, deletes }, invalid, newest };
}

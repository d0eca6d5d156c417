// The change between two complete views, for sources that can only be re-read whole (files).
import { isDeepStrictEqual } from 'node:util';
import type { Resource } from '../model/resources.js';
import type { DatastoreUpdate } from './types.js';

/** Keys that are new or whose resource differs (deep equality, bigint-aware), and keys that are gone. */
export function diffViews(before: ReadonlyMap<string, Resource>, after: ReadonlyMap<string, Resource>): DatastoreUpdate {
  const upserts = new Map<string, Resource>();
  for (const [key, resource] of after) {
    const old = before.get(key);
    if (old === undefined || !isDeepStrictEqual(old, resource)) upserts.set(key, resource);
  }
  const deletes = [...before.keys()].filter((key) => !after.has(key));
  return { upserts, deletes };
}

export function isEmptyUpdate(update: DatastoreUpdate): boolean {
  return update.upserts.size === 0 && update.deletes.length === 0;
}

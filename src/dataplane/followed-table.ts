/**
 * A big table that one Reconciler writes (routes, VTEP MACs: 10,000 and 5,000 entries in a 5,000-node
 * cluster), diffed against what its map holds without reading or encoding all of it on every pass:
 * - what the map holds (key bytes → value bytes) is read once, then followed through our own writes;
 *   resync() makes the next pass read it again (and a failed write does);
 * - each desired item's encoding is remembered per item object: the calculation hands out the same
 *   objects for what did not change, so an unchanged entry costs two lookups and no encoding.
 * Entries we don't own (`owns`) are never removed; the first of two items for one key wins.
 */
import type { NativeBinding } from '../native/binding.js';
import { decode, encode } from './codec.js';
import type { ChangeCounts, EncodedEntry, TableDiff } from './diff.js';
import type { Entry } from './desired-entries.js';
import { applyDiff, readBatches, type MapDef, type TypedMap } from './typed-map.js';

interface Held {
  valueBytes: string;
  /** the pass that last asked for this entry */
  pass: number;
}

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

export class FollowedTable<T extends object, K, V> {
  private held: Map<string, Held> | null = null;
  private readonly encodings = new WeakMap<T, EncodedEntry<K, V>>();
  private pass = 0;

  constructor(
    private readonly def: MapDef<K, V>,
    private readonly entryOf: (item: T) => Entry<K, V>,
  ) {}

  /** The next reconcile reads the map instead of following our writes. */
  resync(): void {
    this.held = null;
  }

  reconcile(native: NativeBinding, map: TypedMap<K, V>, items: readonly T[], owns: (key: K, value: V) => boolean): ChangeCounts {
    const held = this.held ?? readHeld(native, map);
    this.held = null; // not known until the writes are done
    const pass = ++this.pass;
    const diff: TableDiff<K, V> = { add: [], change: [], remove: [] };
    for (const item of items) {
      const e = this.encodingOf(item);
      const h = held.get(e.keyBytes);
      if (h === undefined) {
        diff.add.push([e.key, e.value]);
        held.set(e.keyBytes, { valueBytes: e.valueBytes, pass });
        continue;
      }
      if (h.pass === pass) continue;
      h.pass = pass;
      if (h.valueBytes === e.valueBytes) continue;
      diff.change.push([e.key, e.value]);
      h.valueBytes = e.valueBytes;
    }
    for (const [keyBytes, h] of held) {
      if (h.pass === pass) continue;
      const [key, value] = [decode(this.def.key, Buffer.from(keyBytes, 'latin1')), decode(this.def.value, Buffer.from(h.valueBytes, 'latin1'))];
      if (!owns(key, value)) continue;
      diff.remove.push(key);
      held.delete(keyBytes);
    }
    const counts = applyDiff(map, diff);
    this.held = held;
    return counts;
  }

  private encodingOf(item: T): EncodedEntry<K, V> {
    let e = this.encodings.get(item);
    if (!e) {
      const [key, value] = this.entryOf(item);
      e = { key, value, keyBytes: latin1(encode(this.def.key, key)), valueBytes: latin1(encode(this.def.value, value)) };
      this.encodings.set(item, e);
    }
    return e;
  }
}

/** What a map holds, undecoded, read with batch lookups; every entry stamped with pass 0 (asked for by none yet). */
function readHeld<K, V>(native: NativeBinding, map: TypedMap<K, V>): Map<string, Held> {
  const [ks, vs] = [map.def.key.size, map.def.value.size];
  const out = new Map<string, Held>();
  readBatches(
    native,
    map.fd,
    ks,
    vs,
    (keys, values, count) => {
      // One conversion per batch, then slices: far cheaper than a Buffer call per entry.
      const [k, v] = [latin1(keys.subarray(0, count * ks)), latin1(values.subarray(0, count * vs))];
      for (let i = 0; i < count; i++) out.set(k.slice(i * ks, (i + 1) * ks), { valueBytes: v.slice(i * vs, (i + 1) * vs), pass: 0 });
    },
    1024,
  );
  return out;
}

/**
 * Pure: what must change in a table so that the entries we own equal the desired ones. Entries we
 * don't own (another writer's, e.g. the kernel neighbour mirror's in tt_neigh) are never touched,
 * even when a desired key collides with one (that is reported as a change, since it overwrites).
 */
export interface TableDiff<K, V> {
  add: Array<[K, V]>;
  change: Array<[K, V]>;
  remove: K[];
}

export interface DiffOptions<K, V> {
  /** a string identity for a key (two spellings of one key must give the same string) */
  keyOf: (key: K) => string;
  equal: (a: V, b: V) => boolean;
  /** which current entries belong to this writer; only those are ever removed */
  owns: (key: K, value: V) => boolean;
}

export function diffTable<K, V>(
  desired: ReadonlyArray<readonly [K, V]>,
  current: ReadonlyArray<readonly [K, V]>,
  opts: DiffOptions<K, V>,
): TableDiff<K, V> {
  const now = new Map(current.map(([k, v]) => [opts.keyOf(k), v] as const));
  const wanted = new Set<string>();
  const diff: TableDiff<K, V> = { add: [], change: [], remove: [] };
  for (const [key, value] of desired) {
    const id = opts.keyOf(key);
    if (wanted.has(id)) continue; // the first of two entries for one key wins
    wanted.add(id);
    const have = now.get(id);
    if (have === undefined) diff.add.push([key, value]);
    else if (!opts.equal(have, value)) diff.change.push([key, value]);
  }
  for (const [key, value] of current) {
    if (!wanted.has(opts.keyOf(key)) && opts.owns(key, value)) diff.remove.push(key);
  }
  return diff;
}

export function isEmptyDiff(diff: TableDiff<unknown, unknown>): boolean {
  return diff.add.length === 0 && diff.change.length === 0 && diff.remove.length === 0;
}

export interface ChangeCounts {
  added: number;
  changed: number;
  removed: number;
}

export function countChanges(diff: TableDiff<unknown, unknown>): ChangeCounts {
  return { added: diff.add.length, changed: diff.change.length, removed: diff.remove.length };
}

/**
 * An entry with its kernel encoding, as latin1 strings (one character per byte): equal strings are
 * equal bytes, so a table of thousands is diffed without decoding what the map holds or encoding a
 * value twice per comparison.
 */
export interface EncodedEntry<K, V> {
  key: K;
  value: V;
  keyBytes: string;
  valueBytes: string;
}

/**
 * Typed access to a BPF map through codecs that mirror bpf/include/abi.h.
 * Missing keys are `undefined`/`false`, never exceptions; other errors are typed (src/native/errors.ts).
 */
import type { NativeBinding } from '../native/binding.js';
import { BpfError } from '../native/errors.js';
import { decode, encode, type Codec } from './codec.js';
import { countChanges, type ChangeCounts, type TableDiff } from './diff.js';

export const UpdateFlags = { Any: 0, NoExist: 1, Exist: 2 } as const;

export interface MapDef<K, V> {
  /** kernel map name (<= 15 chars), as declared in bpf/lib/maps.h */
  readonly name: string;
  /** layout version: part of the pin name, bumped when key or value layout changes */
  readonly version: number;
  readonly key: Codec<K>;
  readonly value: Codec<V>;
  readonly perCpu?: boolean;
  /**
   * How to carry entries over from older layouts when `version` is bumped (dataplane/migrate.ts).
   * Without one for the pinned version, the new map starts empty (the daemon refills what it owns).
   */
  readonly migrations?: ReadonlyArray<MapMigration<K, V>>;
}

/** Converts one entry of an older layout (raw bytes, as the old map holds them) into the new one. */
export interface MapMigration<K, V> {
  /** the layout version converted from */
  readonly from: number;
  /** undefined drops the entry */
  convert(key: Uint8Array, value: Uint8Array): readonly [K, V] | undefined;
}

export function pinName(def: MapDef<unknown, unknown>): string {
  return `${def.name}_v${def.version}`;
}

const BATCH = 256;

export class TypedMap<K, V> {
  /**
   * @param afterWrite called after every successful write (update, delete, batch): maps that feed a
   * cache renew its epoch there (see pinned-maps.ts). Every write method must call it.
   */
  constructor(
    readonly def: MapDef<K, V>,
    readonly fd: number,
    protected readonly native: NativeBinding,
    private readonly afterWrite: () => void = () => {},
  ) {}

  lookup(key: K): V | undefined {
    const out = new Uint8Array(this.def.value.size);
    return this.native.mapLookup(this.fd, encode(this.def.key, key), out) ? decode(this.def.value, out) : undefined;
  }

  update(key: K, value: V, flags: number = UpdateFlags.Any): void {
    this.native.mapUpdate(this.fd, encode(this.def.key, key), encode(this.def.value, value), flags);
    this.afterWrite();
  }

  delete(key: K): boolean {
    const deleted = this.native.mapDelete(this.fd, encode(this.def.key, key));
    if (deleted) this.afterWrite();
    return deleted;
  }

  /** All keys, read before any are returned so that deleting while iterating is safe. */
  keys(): K[] {
    const keys: K[] = [];
    let cursor: Uint8Array | null = null;
    for (;;) {
      cursor = this.native.mapNextKey(this.fd, cursor, this.def.key.size);
      if (!cursor) return keys;
      keys.push(decode(this.def.key, cursor));
    }
  }

  /** Every entry, with batch lookups (one syscall per BATCH entries). */
  entries(): Array<[K, V]> {
    const { key, value } = this.def;
    const out: Array<[K, V]> = [];
    readBatches(this.native, this.fd, key.size, value.size, (keys, values, count) => {
      for (let i = 0; i < count; i++) out.push([decode(key, keys, i * key.size), decode(value, values, i * value.size)]);
    });
    return out;
  }

  /** Writes many entries with bpf_map_update_batch. */
  updateMany(entries: ReadonlyArray<readonly [K, V]>, flags: number = UpdateFlags.Any): void {
    if (entries.length === 0) return;
    const { key, value } = this.def;
    const keys = new Uint8Array(key.size * entries.length);
    const values = new Uint8Array(value.size * entries.length);
    const kv = new DataView(keys.buffer);
    const vv = new DataView(values.buffer);
    entries.forEach(([k, v], i) => {
      key.write(kv, i * key.size, k);
      value.write(vv, i * value.size, v);
    });
    try {
      this.native.mapUpdateBatch(this.fd, keys, values, entries.length, flags);
    } catch (err) {
      // Map types without batch ops (LPM tries on older kernels): one syscall per entry instead.
      if (!isBatchUnsupported(err)) throw err;
      for (const [k, v] of entries) this.native.mapUpdate(this.fd, encode(key, k), encode(value, v), flags);
    }
    this.afterWrite();
  }

  /**
   * Deletes many keys with bpf_map_delete_batch; returns how many existed. A missing key stops a
   * batch (ENOENT), so then the rest go one at a time, as do map types without batch ops.
   */
  deleteMany(keys: readonly K[]): number {
    if (keys.length === 0) return 0;
    const size = this.def.key.size;
    const packed = new Uint8Array(size * keys.length);
    const view = new DataView(packed.buffer);
    keys.forEach((k, i) => this.def.key.write(view, i * size, k));
    let deleted = 0;
    try {
      deleted = this.native.mapDeleteBatch(this.fd, packed, keys.length);
    } catch (err) {
      if (!(err instanceof BpfError && err.code === 'ENOENT') && !isBatchUnsupported(err)) throw err;
      for (const k of keys) if (this.native.mapDelete(this.fd, encode(this.def.key, k))) deleted++;
    }
    if (deleted > 0) this.afterWrite();
    return deleted;
  }

  close(): void {
    this.native.close(this.fd);
  }
}

function isBatchUnsupported(err: unknown): boolean {
  return err instanceof BpfError && ['EINVAL', 'EOPNOTSUPP', 'ENOTSUPP', 'E524'].includes(err.code);
}

/** Per-CPU maps: one value per possible CPU, each slot padded to 8 bytes by the kernel. */
export class PerCpuMap<K, V> {
  private readonly cpus: number;
  private readonly slot: number;

  constructor(
    readonly def: MapDef<K, V>,
    readonly fd: number,
    private readonly native: NativeBinding,
  ) {
    this.cpus = native.possibleCpus();
    this.slot = Math.ceil(def.value.size / 8) * 8;
  }

  lookup(key: K): V[] | undefined {
    const out = new Uint8Array(this.slot * this.cpus);
    if (!this.native.mapLookup(this.fd, encode(this.def.key, key), out)) return undefined;
    return Array.from({ length: this.cpus }, (_, cpu) => decode(this.def.value, out, cpu * this.slot));
  }

  /** Sets the same value on every CPU (e.g. zero to reset a counter). */
  updateAll(key: K, value: V): void {
    const buf = new Uint8Array(this.slot * this.cpus);
    const view = new DataView(buf.buffer);
    for (let cpu = 0; cpu < this.cpus; cpu++) this.def.value.write(view, cpu * this.slot, value);
    this.native.mapUpdate(this.fd, encode(this.def.key, key), buf, UpdateFlags.Any);
  }

  close(): void {
    this.native.close(this.fd);
  }
}

/**
 * Every entry of the map `fd` with batch lookups, one syscall per `batch` entries (hash, LRU and LPM
 * maps; not per-CPU ones). Each batch goes to `each` packed, `count` keys and values of keySize and
 * valueSize bytes, in buffers that the next batch reuses.
 */
export function readBatches(
  native: NativeBinding,
  fd: number,
  keySize: number,
  valueSize: number,
  each: (keys: Uint8Array, values: Uint8Array, count: number) => void,
  batch = BATCH,
): void {
  const keys = new Uint8Array(keySize * batch);
  const values = new Uint8Array(valueSize * batch);
  let cursor: Uint8Array | null = null;
  do {
    const res = native.mapLookupBatch(fd, cursor, keys, values, batch);
    each(keys, values, res.count);
    cursor = res.next;
  } while (cursor);
}

/** Writes a diff to a map: adds and changes first, then removes, so a replaced entry never leaves a gap. */
export function applyDiff<K, V>(map: Pick<TypedMap<K, V>, 'updateMany' | 'deleteMany'>, diff: TableDiff<K, V>): ChangeCounts {
  map.updateMany([...diff.add, ...diff.change]);
  map.deleteMany(diff.remove);
  return countChanges(diff);
}

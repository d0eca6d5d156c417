/** Maps: element and batch operations, per-CPU values, LPM keys, pinning and reuse. Real kernel, as root. */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type { ObjectHandle } from '../../src/native/binding.js';
import { BpfError, KeyExistsError, KeyNotFoundError } from '../../src/native/errors.js';
import { defaultAddonPath, native } from '../../src/native/index.js';
import { fixture, fixtureConfig, IS_ROOT, makePinDir, readU32, readU64, SKIP_REASON, u32le, u64le } from './helpers.js';

const raw = createRequire(import.meta.url)(defaultAddonPath()) as Record<string, (...a: unknown[]) => unknown>;
const BPF_ANY = 0;
const BPF_NOEXIST = 1;
const BPF_EXIST = 2;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

describe.skipIf(!IS_ROOT)(`bpf maps (${IS_ROOT ? 'root' : SKIP_REASON})`, () => {
  let path = '';
  let obj: ObjectHandle;
  let hash = -1;
  const fds: number[] = [];
  const keep = (fd: number) => (fds.push(fd), fd);
  let pins: ReturnType<typeof makePinDir> | undefined;

  beforeAll(() => {
    path = fixture('native_fixture');
    obj = native.objectOpen(path);
    native.objectSetRodata(obj, fixtureConfig({ magic: 42, add: 0, mac0: 0, addr: [0, 0, 0, 0] }));
    native.objectLoad(obj);
    hash = keep(native.objectMapFd(obj, 'nf_hash'));
    pins = makePinDir();
  });

  afterAll(() => {
    for (const fd of fds) native.close(fd);
    if (obj) native.objectClose(obj);
    pins?.remove();
  });

  it('looks up, updates with flags and deletes', () => {
    const value = new Uint8Array(8);
    expect(native.mapLookup(hash, u32le(1), value)).toBe(false);
    native.mapUpdate(hash, u32le(1), u64le(10), BPF_NOEXIST);
    expect(native.mapLookup(hash, u32le(1), value)).toBe(true);
    expect(readU64(value)).toBe(10n);

    expect(() => native.mapUpdate(hash, u32le(1), u64le(11), BPF_NOEXIST)).toThrow(KeyExistsError);
    expect(() => native.mapUpdate(hash, u32le(2), u64le(11), BPF_EXIST)).toThrow(KeyNotFoundError);
    native.mapUpdate(hash, u32le(1), u64le(12), BPF_EXIST);
    native.mapLookup(hash, u32le(1), value);
    expect(readU64(value)).toBe(12n);

    expect(native.mapDelete(hash, u32le(1))).toBe(true);
    expect(native.mapDelete(hash, u32le(1))).toBe(false);
  });

  it('iterates keys with mapNextKey', () => {
    for (const k of [3, 4, 5]) native.mapUpdate(hash, u32le(k), u64le(k * 100), BPF_ANY);
    const seen: number[] = [];
    for (let key = native.mapNextKey(hash, null, 4); key; key = native.mapNextKey(hash, key, 4)) seen.push(readU32(key));
    expect(seen.sort()).toEqual([3, 4, 5]);
    for (const k of [3, 4, 5]) native.mapDelete(hash, u32le(k));
    expect(native.mapNextKey(hash, null, 4)).toBeNull();
  });

  it('updates, looks up and deletes in batches', () => {
    const keys = Array.from({ length: 40 }, (_, i) => 1000 + i);
    const written = native.mapUpdateBatch(hash, concat(keys.map(u32le)), concat(keys.map((k) => u64le(k * 2))), keys.length, BPF_ANY);
    expect(written).toBe(40);

    // read back 16 at a time until the cursor says the map is exhausted
    const got = new Map<number, bigint>();
    const kbuf = new Uint8Array(4 * 16);
    const vbuf = new Uint8Array(8 * 16);
    let cursor: Uint8Array | null = null;
    let calls = 0;
    do {
      const res = native.mapLookupBatch(hash, cursor, kbuf, vbuf, 16);
      for (let i = 0; i < res.count; i++) got.set(readU32(kbuf, i * 4), readU64(vbuf, i * 8));
      cursor = res.next;
      calls++;
    } while (cursor && calls < 100);
    expect(cursor).toBeNull();
    expect(got.size).toBe(40);
    for (const k of keys) expect(got.get(k)).toBe(BigInt(k * 2));

    expect(native.mapDeleteBatch(hash, concat(keys.slice(0, 30).map(u32le)), 30)).toBe(30);
    const rest = native.mapLookupBatch(hash, null, new Uint8Array(4 * 64), new Uint8Array(8 * 64), 64);
    expect(rest).toEqual({ count: 10, next: null });
    // deleting a missing key stops the batch: typed, not silently partial
    expect(() => native.mapDeleteBatch(hash, concat([u32le(1030), u32le(1)]), 2)).toThrow(KeyNotFoundError);
    native.mapDeleteBatch(hash, concat(keys.slice(31).map(u32le)), 9);
    expect(native.mapNextKey(hash, null, 4)).toBeNull();
  });

  it('per-CPU values are one 8-byte slot per possible CPU', () => {
    const percpu = keep(native.objectMapFd(obj, 'nf_percpu'));
    const cpus = native.possibleCpus();
    const value = new Uint8Array(8 * cpus);
    for (let cpu = 0; cpu < cpus; cpu++) value.set(u32le(cpu + 1), cpu * 8);
    native.mapUpdate(percpu, u32le(2), value, BPF_ANY);
    const back = new Uint8Array(8 * cpus);
    expect(native.mapLookup(percpu, u32le(2), back)).toBe(true);
    for (let cpu = 0; cpu < cpus; cpu++) expect(readU32(back, cpu * 8)).toBe(cpu + 1);
  });

  it('LPM keys are {prefixlen, addr}; longest prefix wins', () => {
    const lpm = keep(native.objectMapFd(obj, 'nf_lpm'));
    const key = new Uint8Array([24, 0, 0, 0, 192, 168, 1, 0]);
    native.mapUpdate(lpm, key, u32le(7), BPF_ANY);
    native.mapUpdate(lpm, new Uint8Array([16, 0, 0, 0, 192, 168, 0, 0]), u32le(6), BPF_ANY);
    const v = new Uint8Array(4);
    expect(native.mapLookup(lpm, new Uint8Array([32, 0, 0, 0, 192, 168, 1, 99]), v)).toBe(true);
    expect(readU32(v)).toBe(7);
    expect(native.mapLookup(lpm, new Uint8Array([32, 0, 0, 0, 192, 168, 2, 1]), v)).toBe(true);
    expect(readU32(v)).toBe(6);
    expect(native.mapLookup(lpm, new Uint8Array([32, 0, 0, 0, 10, 0, 0, 1]), v)).toBe(false);
    // batch ops on a trie go through the kernel's generic (key cursor) implementation
    const res = native.mapLookupBatch(lpm, null, new Uint8Array(8 * 4), new Uint8Array(4 * 4), 4);
    expect(res).toEqual({ count: 2, next: null });
  });

  it('pins, gets the pin back, and reports map info', () => {
    const pin = join(pins!.path, 'nf_hash');
    native.objPin(hash, pin);
    expect(existsSync(pin)).toBe(true);
    expect(() => native.objPin(hash, pin)).toThrow(expect.objectContaining({ code: 'EEXIST', op: 'bpf_obj_pin' }));
    const fd = keep(native.objGet(pin));
    const a = native.mapInfo(hash);
    expect(native.mapInfo(fd)).toEqual(a);
    expect(a).toMatchObject({ name: 'nf_hash', type: 1, keySize: 4, valueSize: 8, maxEntries: 64, flags: 0 });
    expect(a.id).toBeGreaterThan(0);
  });

  it('bpffs refuses dots in names: caught before the kernel says EPERM', () => {
    expect(() => native.objPin(hash, join(pins!.path, 'nf.hash'))).toThrow(/no '\.'/);
    // what the kernel says without the check
    expect(() => raw.objPin!(hash, join(pins!.path, 'nf.hash'))).toThrow(expect.objectContaining({ code: 'EPERM' }));
  });

  it('objGet of a missing path is a typed ENOENT', () => {
    let err: unknown;
    try {
      native.objGet(join(pins!.path, 'missing'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect(err).not.toBeInstanceOf(KeyNotFoundError);
    expect(err).toMatchObject({ op: 'bpf_obj_get', errno: 2, code: 'ENOENT' });
  });

  it('a second object reuses the pinned map: writes through one are seen through the other', () => {
    const pin = join(pins!.path, 'nf_hash_shared');
    native.objPin(hash, pin);
    const second = native.objectOpen(path);
    try {
      const pinned = native.objGet(pin);
      native.objectReuseMap(second, 'nf_hash', pinned);
      native.close(pinned); // libbpf keeps its own dup
      native.objectSetRodata(second, fixtureConfig({ magic: 42, add: 1, mac0: 0, addr: [0, 0, 0, 0] }));
      native.objectLoad(second);

      const hash2 = keep(native.objectMapFd(second, 'nf_hash'));
      expect(native.mapInfo(hash2).id).toBe(native.mapInfo(hash).id);
      native.mapUpdate(hash, u32le(42), u64le(99), BPF_ANY);
      const v = new Uint8Array(8);
      expect(native.mapLookup(hash2, u32le(42), v)).toBe(true);
      expect(readU64(v)).toBe(99n);
      // and the second object's program reads the shared map
      const prog = keep(native.objectProgramFd(second, 'nf_prog'));
      expect(native.progTestRun(prog, { data: new Uint8Array(14), dataOutSize: 14 }).retval).toBe(1 + 99);
      // its other maps are its own
      expect(native.mapInfo(keep(native.objectMapFd(second, 'nf_lpm'))).id).not.toBe(
        native.mapInfo(keep(native.objectMapFd(obj, 'nf_lpm'))).id,
      );
      native.mapDelete(hash, u32le(42));
    } finally {
      native.objectClose(second);
    }
  });
});

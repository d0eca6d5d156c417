/** Objects: open, inspect, .rodata, load, test run, verifier errors, BTF. Real kernel, as root. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type { ObjectHandle } from '../../src/native/binding.js';
import { BpfError, VerifierError } from '../../src/native/errors.js';
import { native } from '../../src/native/index.js';
import { fixture, fixtureConfig, IS_ROOT, readU32, SKIP_REASON, u32le, u64le } from './helpers.js';

const BPF_MAP_TYPE_HASH = 1;
const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
const BPF_MAP_TYPE_LPM_TRIE = 11;
const BPF_F_NO_PREALLOC = 1;
const BPF_PROG_TYPE_SCHED_CLS = 3;
const SKB_SIZE = 192; // sizeof(struct __sk_buff) in the 6.1 uapi header
const SKB_MARK = 8; // offsetof(struct __sk_buff, mark)

describe.skipIf(!IS_ROOT)(`bpf objects (${IS_ROOT ? 'root' : SKIP_REASON})`, () => {
  let path = '';
  let obj: ObjectHandle;
  const fds: number[] = [];
  const keep = (fd: number) => (fds.push(fd), fd);

  beforeAll(() => {
    path = fixture('native_fixture');
    obj = native.objectOpen(path);
  });

  afterAll(() => {
    for (const fd of fds) native.close(fd);
    if (obj) native.objectClose(obj);
  });

  it('lists maps (incl. the internal .rodata) and programs before load', () => {
    const maps = native.objectMaps(obj);
    expect(maps.find((m) => m.name === 'nf_hash')).toEqual({
      name: 'nf_hash', type: BPF_MAP_TYPE_HASH, keySize: 4, valueSize: 8, maxEntries: 64, flags: 0, internal: false,
    });
    expect(maps.find((m) => m.name === 'nf_percpu')).toMatchObject({ type: BPF_MAP_TYPE_PERCPU_ARRAY, valueSize: 4 });
    expect(maps.find((m) => m.name === 'nf_lpm')).toMatchObject({ type: BPF_MAP_TYPE_LPM_TRIE, keySize: 8, flags: BPF_F_NO_PREALLOC });
    const rodata = maps.find((m) => m.internal && m.name.endsWith('.rodata'));
    expect(rodata).toMatchObject({ valueSize: 20, maxEntries: 1 });
    expect(native.objectPrograms(obj)).toEqual([
      { name: 'nf_prog', section: 'tc', type: BPF_PROG_TYPE_SCHED_CLS },
      { name: 'nf_other', section: 'tc', type: BPF_PROG_TYPE_SCHED_CLS },
    ]);
  });

  it('refuses .rodata of the wrong size, and fds before load', () => {
    expect(() => native.objectSetRodata(obj, new Uint8Array(19))).toThrow(BpfError);
    expect(() => native.objectMapFd(obj, 'nf_hash')).toThrow(/bpf_map__fd: Bad file descriptor \(nf_hash is not loaded\)/);
    expect(() => native.objectMapFd(obj, 'nope')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('loads with .rodata set and runs the program against our map values', () => {
    native.objectSetRodata(obj, fixtureConfig({ magic: 7, add: 100, mac0: 0xab, addr: [10, 1, 2, 3] }));
    native.objectLoad(obj);
    expect(() => native.objectSetRodata(obj, new Uint8Array(20))).toThrow(BpfError); // after load

    const prog = keep(native.objectProgramFd(obj, 'nf_prog'));
    const hash = keep(native.objectMapFd(obj, 'nf_hash'));
    const lpm = keep(native.objectMapFd(obj, 'nf_lpm'));
    native.mapUpdate(hash, u32le(7), u64le(5), 0);
    native.mapUpdate(lpm, new Uint8Array([8, 0, 0, 0, 10, 0, 0, 0]), u32le(1000), 0); // 10.0.0.0/8

    const data = new Uint8Array(64).fill(0x11);
    const out = native.progTestRun(prog, { data, dataOutSize: 128, repeat: 3 });
    expect(out.retval).toBe(100 + 5 + 1000); // add from .rodata + nf_hash[magic] + nf_lpm[addr]
    expect(out.data).toHaveLength(64);
    expect(out.data[0]).toBe(0xab); // mac[0] from .rodata written over the first byte
    expect(Array.from(out.data.subarray(1))).toEqual(Array.from(data.subarray(1)));
    expect(out.ctx).toBeNull();
    expect(out.durationNs).toBeGreaterThanOrEqual(0);

    // nf_percpu[0] counts runs; the counter lives in one CPU's 8-byte slot
    const cpus = native.possibleCpus();
    const counters = new Uint8Array(8 * cpus);
    expect(native.mapLookup(keep(native.objectMapFd(obj, 'nf_percpu')), u32le(0), counters)).toBe(true);
    let runs = 0;
    for (let cpu = 0; cpu < cpus; cpu++) runs += readU32(counters, cpu * 8);
    expect(runs).toBe(3);
  });

  it('passes __sk_buff in and out', () => {
    const prog = keep(native.objectProgramFd(obj, 'nf_other'));
    const ctx = new Uint8Array(SKB_SIZE);
    new DataView(ctx.buffer).setUint32(SKB_MARK, 0x1234, true);
    const out = native.progTestRun(prog, { data: new Uint8Array(14), dataOutSize: 14, ctx });
    expect(out.retval).toBe(-1); // TC_ACT_UNSPEC comes back signed
    expect(out.ctx).toHaveLength(SKB_SIZE);
    expect(readU32(out.ctx!, SKB_MARK)).toBe(0x1234);
  });

  it('gives out fds that outlive objectClose; close is idempotent', () => {
    const other = native.objectOpen(path);
    native.objectLoad(other);
    const fd = native.objectProgramFd(other, 'nf_prog');
    native.objectClose(other);
    native.objectClose(other);
    expect(native.progInfo(fd)).toMatchObject({ name: 'nf_prog', type: BPF_PROG_TYPE_SCHED_CLS, tag: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const info = native.progInfo(fd);
    const byId = native.progFdById(info.id);
    expect(native.progInfo(byId).id).toBe(info.id);
    native.close(byId);
    native.close(fd);
    expect(() => native.objectMaps(other)).toThrow(/object is closed/);
  });

  it('throws VerifierError with the verifier log for a rejected program', () => {
    const bad = native.objectOpen(fixture('bad_prog'));
    try {
      let err: unknown;
      try {
        native.objectLoad(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VerifierError);
      const v = err as VerifierError;
      expect(v.op).toBe('bpf_object__load');
      expect(v.program).toBe('bad_prog');
      expect(v.log.length).toBeGreaterThan(3);
      expect(v.log).toContain('R1 offset is outside of the packet');
      expect(v.message).toMatch(/bad_prog rejected by the verifier: .*R1 offset is outside of the packet$/);
    } finally {
      native.objectClose(bad);
    }
  });

  it('reports open failures with libbpf’s reason', () => {
    expect(() => native.objectOpen('/nonexistent.o')).toThrow(expect.objectContaining({ code: 'ENOENT', op: 'bpf_object__open_file' }));
    const notElf = join(mkdtempSync(join(tmpdir(), 'tortie-native-')), 'not-elf.o');
    writeFileSync(notElf, 'hello');
    try {
      expect(() => native.objectOpen(notElf)).toThrow(/BPF object format invalid .*not a proper ELF object/);
    } finally {
      rmSync(dirname(notElf), { recursive: true });
    }
  });

  it('reads struct layouts from BTF', () => {
    expect(native.btfStruct(path, 'nf_config')).toEqual({
      name: 'nf_config',
      size: 20,
      members: [
        { name: 'magic', bitOffset: 0, size: 4 },
        { name: 'add', bitOffset: 32, size: 4 },
        { name: 'mac', bitOffset: 64, size: 6 },
        { name: 'port', bitOffset: 112, size: 2 },
        { name: 'addr', bitOffset: 128, size: 4 },
      ],
    });
    expect(native.btfStruct(path, 'no_such_struct')).toBeNull();
    expect(() => native.btfStruct('/nonexistent.o', 'x')).toThrow(expect.objectContaining({ op: 'btf__parse', code: 'ENOENT' }));
  });
});

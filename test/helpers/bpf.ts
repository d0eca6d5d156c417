/**
 * BPF_PROG_TEST_RUN harness: loads the test build of the object (fresh, unpinned maps) inside a
 * namespace whose interfaces give real ifindexes, and runs programs with a __sk_buff context.
 */
import { native } from '../../src/native/index.js';
import { TestRec, type TestRecValue, type DataplaneConfig } from '../../src/dataplane/abi.js';
import { decode } from '../../src/dataplane/codec.js';
import { defaultConfig, loadObject, type LoadedObject, type ProgramName } from '../../src/dataplane/loader.js';
import { objectPath } from '../../src/dataplane/object-path.js';
import { mapsFromFds, type NodeMaps } from '../../src/dataplane/pinned-maps.js';
import { withNetns } from '../../src/lab/netns.js';

export const TC_ACT_UNSPEC = -1;
export const TC_ACT_OK = 0;
export const TC_ACT_SHOT = 2;
export const TC_ACT_REDIRECT = 7;

export const VERDICT_NAMES: Record<number, string> = {
  [-1]: 'TC_ACT_UNSPEC',
  0: 'TC_ACT_OK',
  2: 'TC_ACT_SHOT',
  7: 'TC_ACT_REDIRECT',
};

/** sizeof(struct __sk_buff) and offsetof(ifindex), from the object's BTF (checked in abi-layout.test.ts). */
export const SKB_CTX_SIZE = 192;
export const SKB_IFINDEX_OFFSET = 40;

export interface RunResult {
  retval: number;
  verdict: string;
  data: Uint8Array;
  durationNs: number;
}

export class BpfHarness {
  readonly maps: NodeMaps;
  private readonly loaded: LoadedObject;

  constructor(
    readonly netns: string,
    config: Partial<DataplaneConfig> = {},
    variant: 'tortie' | 'tortie_test' = 'tortie_test',
  ) {
    this.loaded = withNetns(native, netns, () =>
      loadObject(native, { objectPath: objectPath(variant), config: { ...defaultConfig(), ...config }, pinDir: null }),
    );
    const fds = this.loaded.maps;
    // The typed maps take over these fds; close() releases the rest.
    this.maps = mapsFromFds(native, {
      endpoints: fds.tt_endpoints!,
      routes: fds.tt_routes!,
      neigh: fds.tt_neigh!,
      ifstate: fds.tt_ifstate!,
      counters: fds.tt_counters!,
      nat: fds.tt_nat!,
      natCt: fds.tt_nat_ct!,
      fwdCache: fds.tt_fwd_cache!,
      epoch: fds.tt_epoch!,
    });
  }

  ifindex(name: string): number {
    const idx = withNetns(native, this.netns, () => native.ifNameToIndex(name));
    if (idx === 0) throw new Error(`no interface ${name} in ${this.netns}`);
    return idx;
  }

  run(program: ProgramName, data: Uint8Array, opts: { ifindex: number; repeat?: number; headroom?: number }): RunResult {
    const ctx = new Uint8Array(SKB_CTX_SIZE);
    new DataView(ctx.buffer).setUint32(SKB_IFINDEX_OFFSET, opts.ifindex, true);
    const out = withNetns(native, this.netns, () =>
      native.progTestRun(this.loaded.programs[program], {
        data,
        dataOutSize: data.length + (opts.headroom ?? 128),
        ctx,
        repeat: opts.repeat ?? 1,
      }),
    );
    return { retval: out.retval, verdict: VERDICT_NAMES[out.retval] ?? `retval ${out.retval}`, data: out.data, durationNs: out.durationNs };
  }

  /** run() with the redirect record cleared first, plus which counters moved: [[reason, delta], ...]. */
  runCounted(program: ProgramName, data: Uint8Array, opts: { ifindex: number; headroom?: number }): RunResult & { changed: number[][] } {
    this.clearRedirect();
    const before = this.counters();
    const res = this.run(program, data, opts);
    const changed = this.counters()
      .map((v, i) => Number(v - before[i]!))
      .flatMap((d, i) => (d ? [[i, d]] : []));
    return { ...res, changed };
  }

  /** What the last redirect asked for (test build only). */
  lastRedirect(): TestRecValue {
    const fd = this.loaded.maps.tt_test_rec;
    if (fd === undefined) throw new Error('not the test build: no tt_test_rec map');
    const value = new Uint8Array(TestRec.size);
    native.mapLookup(fd, new Uint8Array(4), value);
    return decode(TestRec, value);
  }

  clearRedirect(): void {
    const fd = this.loaded.maps.tt_test_rec;
    if (fd !== undefined) native.mapUpdate(fd, new Uint8Array(4), new Uint8Array(TestRec.size), 0);
  }

  counter(reason: number): bigint {
    return (this.maps.counters.lookup(reason) ?? []).reduce((a, b) => a + b, 0n);
  }

  counters(): bigint[] {
    return Array.from({ length: 32 }, (_, i) => this.counter(i));
  }

  close(): void {
    this.maps.close();
    for (const fd of Object.values(this.loaded.programs)) native.close(fd);
    if (this.loaded.maps.tt_test_rec !== undefined) native.close(this.loaded.maps.tt_test_rec);
  }
}

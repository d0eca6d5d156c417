/**
 * Attaching: tcx links and clsact/cls_bpf filters on a veth pair in a private network namespace
 * (tt-nat-<random>, always deleted). No traffic is sent. Real kernel, as root.
 */
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { AttachError, attachedPrograms, attachPrograms, type AttachRequest } from '../../src/dataplane/attach.js';
import { ensurePinLayout } from '../../src/dataplane/bpffs.js';
import { RCU_EXPEDITED } from '../../src/dataplane/rcu.js';
import type { ObjectHandle } from '../../src/native/binding.js';
import { BpfError, KeyExistsError } from '../../src/native/errors.js';
import { native } from '../../src/native/index.js';
import { fixture, IS_ROOT, makePinDir, SKIP_REASON, TestNetns } from './helpers.js';

const BPF_TCX_INGRESS = 46;
const BPF_TCX_EGRESS = 47;
const BPF_LINK_TYPE_TCX = 11;
const HANDLE = 0x7474;
const PRIO = 1;

describe.skipIf(!IS_ROOT)(`tc and tcx attach (${IS_ROOT ? 'root' : SKIP_REASON})`, () => {
  const ns = new TestNetns();
  let obj: ObjectHandle | undefined;
  let progA = -1;
  let progB = -1;
  let idA = 0;
  let idB = 0;
  let ifindex = 0;
  let pins: ReturnType<typeof makePinDir> | undefined;

  beforeAll(() => {
    ns.create([['tta0', 'ttb0']]);
    obj = native.objectOpen(fixture('native_fixture'));
    native.objectLoad(obj);
    progA = native.objectProgramFd(obj, 'nf_prog');
    progB = native.objectProgramFd(obj, 'nf_other');
    idA = native.progInfo(progA).id;
    idB = native.progInfo(progB).id;
    ifindex = ns.run(() => native.ifNameToIndex('tta0'));
    pins = makePinDir();
  });

  afterAll(() => {
    for (const fd of [progA, progB]) if (fd >= 0) native.close(fd);
    if (obj) native.objectClose(obj);
    ns.destroy(); // takes the veths, their filters and any tcx links with it
    pins?.remove();
  });

  it('resolves interface names in the namespace only', () => {
    expect(ifindex).toBeGreaterThan(0);
    expect(ns.run(() => native.ifIndexToName(ifindex))).toBe('tta0');
    expect(native.ifNameToIndex('tta0')).toBe(0); // not in the host namespace
    expect(ns.run(() => native.ifIndexToName(99999))).toBe('');
  });

  it('tcx: attach, query, link info, atomic update, detach', () => {
    ns.run(() => {
      expect(native.progQuery(ifindex, BPF_TCX_INGRESS)).toEqual([]);
      const link = native.tcxAttach(progA, ifindex, BPF_TCX_INGRESS);
      try {
        expect(native.progQuery(ifindex, BPF_TCX_INGRESS)).toEqual([idA]);
        expect(native.progQuery(ifindex, BPF_TCX_EGRESS)).toEqual([]);
        const info = native.linkInfo(link);
        expect(info).toMatchObject({ type: BPF_LINK_TYPE_TCX, progId: idA, ifindex, attachType: BPF_TCX_INGRESS });

        // a second program on the same hook runs after the first
        const second = native.tcxAttach(progB, ifindex, BPF_TCX_INGRESS);
        expect(native.progQuery(ifindex, BPF_TCX_INGRESS)).toEqual([idA, idB]);
        native.close(second); // an unpinned link goes away with its last fd
        expect(native.progQuery(ifindex, BPF_TCX_INGRESS)).toEqual([idA]);

        native.linkUpdate(link, progB);
        expect(native.linkInfo(link)).toMatchObject({ id: info.id, progId: idB });
        expect(native.progQuery(ifindex, BPF_TCX_INGRESS)).toEqual([idB]);

        native.linkDetach(link);
        expect(native.progQuery(ifindex, BPF_TCX_INGRESS)).toEqual([]);
        expect(native.linkInfo(link)).toMatchObject({ ifindex: 0 }); // defunct link: no device
      } finally {
        native.close(link);
      }
    });
  });

  it('tcx: a pinned link survives its fd and is found again through the pin', () => {
    const pin = join(pins!.path, 'tta0_egress') // no dots: bpffs refuses them (EPERM);
    ns.run(() => {
      const link = native.tcxAttach(progA, ifindex, BPF_TCX_EGRESS);
      native.objPin(link, pin);
      native.close(link);
      expect(native.progQuery(ifindex, BPF_TCX_EGRESS)).toEqual([idA]);
      const again = native.objGet(pin);
      try {
        expect(native.linkInfo(again)).toMatchObject({ ifindex, attachType: BPF_TCX_EGRESS, progId: idA });
        native.linkDetach(again);
      } finally {
        native.close(again);
      }
      unlinkSync(pin);
      expect(native.progQuery(ifindex, BPF_TCX_EGRESS)).toEqual([]);
    });
    expect(existsSync(pin)).toBe(false);
  });

  it('tcx attach needs the device in the calling thread’s namespace', () => {
    // ifindex of tta0 means nothing (or another device) in the host netns: pick one that surely doesn't exist
    expect(() => native.tcxAttach(progA, 0x7ffffff0, BPF_TCX_INGRESS)).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(() => native.progQuery(0x7ffffff0, BPF_TCX_INGRESS)).toThrow(expect.objectContaining({ op: 'bpf_prog_query', code: 'ENODEV' }));
  });

  it('tc: clsact + filter attach, query, replace, detach', () => {
    ns.run(() => {
      // no clsact yet: nothing there, nothing to remove
      expect(native.tcQuery(ifindex, true, HANDLE, PRIO)).toBe(0);
      expect(native.tcDetach(ifindex, true, HANDLE, PRIO)).toBe(false);

      native.tcAttach(ifindex, true, progA, HANDLE, PRIO, false);
      expect(native.tcQuery(ifindex, true, HANDLE, PRIO)).toBe(idA);
      expect(native.tcQuery(ifindex, false, HANDLE, PRIO)).toBe(0); // egress untouched
      expect(native.tcQuery(ifindex, true, HANDLE + 1, PRIO)).toBe(0); // other handle
      expect(native.tcQuery(ifindex, true, HANDLE, PRIO + 1)).toBe(0); // other priority

      // without replace the filter is protected; EEXIST here is not a map key error
      let err: unknown;
      try {
        native.tcAttach(ifindex, true, progB, HANDLE, PRIO, false);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BpfError);
      expect(err).not.toBeInstanceOf(KeyExistsError);
      expect(err).toMatchObject({ op: 'bpf_tc_attach', code: 'EEXIST' });

      native.tcAttach(ifindex, true, progB, HANDLE, PRIO, true); // clsact already there: EEXIST ignored
      expect(native.tcQuery(ifindex, true, HANDLE, PRIO)).toBe(idB);

      native.tcAttach(ifindex, false, progA, HANDLE, PRIO, true); // replace also creates
      expect(native.tcQuery(ifindex, false, HANDLE, PRIO)).toBe(idA);

      expect(native.tcDetach(ifindex, true, HANDLE, PRIO)).toBe(true);
      expect(native.tcDetach(ifindex, true, HANDLE, PRIO)).toBe(false);
      expect(native.tcQuery(ifindex, true, HANDLE, PRIO)).toBe(0);
      expect(native.tcDetach(ifindex, false, HANDLE, PRIO)).toBe(true);
    });
  });

  it('restores the original namespace after each run', () => {
    const inside = ns.run(() => native.ifNameToIndex('ttb0'));
    expect(inside).toBeGreaterThan(0);
    expect(native.ifNameToIndex('ttb0')).toBe(0);
  });

  describe('attachPrograms (batch)', () => {
    const batchNs = new TestNetns('tt-batch');
    const names = ['ttw0', 'ttw1', 'ttw2'];
    let batchPins: ReturnType<typeof makePinDir> | undefined;
    let ifindexes: number[] = [];

    beforeAll(() => {
      batchNs.create(names.map((n, i) => [n, `ttv${i}`]));
      ifindexes = batchNs.run(() => names.map((n) => native.ifNameToIndex(n)));
      batchPins = makePinDir();
    });

    afterAll(() => {
      batchNs.destroy();
      batchPins?.remove();
    });

    const requests = (progFd: number): AttachRequest[] =>
      names.flatMap((ifname, i) => [
        { ifname, ifindex: ifindexes[i]!, hook: 'ingress' as const, progFd },
        { ifname, ifindex: ifindexes[i]!, hook: 'egress' as const, progFd },
      ]);
    const programsOn = (ifindex: number) => batchNs.run(() => attachedPrograms(native, ifindex));

    it('attaches every hook, and a second run replaces each link in place', () => {
      const layout = ensurePinLayout(batchPins!.path);
      const rcuBefore = readFileSync(RCU_EXPEDITED, 'utf8');
      const first = batchNs.run(() => attachPrograms(native, layout, requests(progA), 'tcx'));
      expect(first).toEqual(Array(6).fill({ ok: true, mode: 'tcx', replaced: false }));
      for (const ifindex of ifindexes) {
        expect(programsOn(ifindex)).toEqual([
          { hook: 'ingress', mode: 'tcx', progId: idA, name: 'nf_prog' },
          { hook: 'egress', mode: 'tcx', progId: idA, name: 'nf_prog' },
        ]);
      }
      const linkIds = () => readdirSync(layout.links).sort().map((pin) => linkIdOf(join(layout.links, pin)));
      const ids = linkIds();
      expect(ids).toHaveLength(6);

      const second = batchNs.run(() => attachPrograms(native, layout, requests(progB), 'tcx'));
      expect(second).toEqual(Array(6).fill({ ok: true, mode: 'tcx', replaced: true }));
      for (const ifindex of ifindexes) expect(programsOn(ifindex).map((p) => p.progId)).toEqual([idB, idB]); // not [idA, idB]
      expect(linkIds()).toEqual(ids); // the same links, their program swapped
      expect(readFileSync(RCU_EXPEDITED, 'utf8')).toBe(rcuBefore); // the global switch is put back
    });

    it('reports a failed hook without stopping or undoing the others', () => {
      const layout = ensurePinLayout(batchPins!.path);
      const [w0, w1] = requests(progA).filter((r) => r.hook === 'egress');
      const missing: AttachRequest = { ifname: 'ttgone0', ifindex: 0x7ffffff0, hook: 'ingress', progFd: progA };
      const out = batchNs.run(() => attachPrograms(native, layout, [w0!, missing, w1!], 'tcx'));
      expect(out[0]).toEqual({ ok: true, mode: 'tcx', replaced: true });
      expect(out[2]).toEqual({ ok: true, mode: 'tcx', replaced: true });
      const failed = out[1]!;
      expect(failed.ok).toBe(false);
      if (failed.ok) return;
      expect(failed.error).toBeInstanceOf(AttachError);
      expect(failed.error.target).toEqual({ ifname: 'ttgone0', ifindex: 0x7ffffff0, hook: 'ingress' });
      expect(failed.error.message).toMatch(/ingress hook of ttgone0 \(ifindex 2147483632\): bpf_link_create: .*No such device/);
      expect(failed.error.cause).toMatchObject({ op: 'bpf_link_create', code: 'ENODEV' });
      expect(existsSync(join(layout.links, 'ttgone0_ingress'))).toBe(false); // nothing half-made
      for (const ifindex of ifindexes.slice(0, 2)) {
        expect(programsOn(ifindex)).toEqual([
          { hook: 'ingress', mode: 'tcx', progId: idB, name: 'nf_other' }, // untouched by this batch
          { hook: 'egress', mode: 'tcx', progId: idA, name: 'nf_prog' },
        ]);
      }
    });

    it('tc mode: replaces the tcx links by filters', () => {
      const layout = ensurePinLayout(batchPins!.path);
      const tc = batchNs.run(() => attachPrograms(native, layout, requests(progA), 'tc'));
      expect(tc.every((o) => o.ok && o.mode === 'tc')).toBe(true);
      for (const ifindex of ifindexes) {
        expect(programsOn(ifindex).map((p) => [p.hook, p.mode, p.progId])).toEqual([
          ['ingress', 'tc', idA],
          ['egress', 'tc', idA],
        ]);
      }
      expect(readdirSync(layout.links)).toEqual([]); // the tcx links are detached and unpinned
    });
  });
});

function linkIdOf(pin: string): number {
  const fd = native.objGet(pin);
  try {
    return native.linkInfo(fd).id;
  } finally {
    native.close(fd);
  }
}

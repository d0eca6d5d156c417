/** fromNative: raw addon errors -> typed errors. Pure, no kernel needed. */
import { describe, it, expect } from 'vitest';
import {
  BpfError,
  fromNative,
  KeyExistsError,
  KeyNotFoundError,
  MapFullError,
  MapIncompatibleError,
  NotSupportedError,
  PermissionError,
  probeFeature,
  VerifierError,
  verifierTail,
} from '../../src/native/errors.js';

function raw(op: string, errno: number, code: string, log?: string[]): Error {
  const e = new Error(`${op}: message for ${code}`) as Error & Record<string, unknown>;
  Object.assign(e, { op, errno, code }, log ? { log } : {});
  return e;
}

const VERIFIER_LOG = [
  "libbpf: prog 'bad_prog': BPF program load failed: Permission denied",
  "libbpf: prog 'bad_prog': -- BEGIN PROG LOAD LOG --",
  '0: R1=ctx() R10=fp0',
  '1: (61) r0 = *(u32 *)(r1 +0)',
  'invalid access to packet, off=0 size=4, R1(id=0,off=0,r=0)',
  'R1 offset is outside of the packet',
  'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
  '-- END PROG LOAD LOG --',
  "libbpf: prog 'bad_prog': failed to load: -13",
  "libbpf: failed to load object 'bad_prog.o'",
];

describe('fromNative', () => {
  it('keeps op, errno, code, message and the raw error as cause', () => {
    const r = raw('bpf_obj_get', 2, 'ENOENT');
    const e = fromNative(r);
    expect(e).toBeInstanceOf(BpfError);
    expect(e).not.toBeInstanceOf(KeyNotFoundError); // ENOENT outside map ops is not about keys
    expect(e).toMatchObject({ op: 'bpf_obj_get', errno: 2, code: 'ENOENT', message: r.message, cause: r });
  });

  it('types map errors by errno', () => {
    expect(fromNative(raw('bpf_map_update_elem', 2, 'ENOENT'))).toBeInstanceOf(KeyNotFoundError);
    expect(fromNative(raw('bpf_map_delete_batch', 2, 'ENOENT'))).toBeInstanceOf(KeyNotFoundError);
    expect(fromNative(raw('bpf_map_update_elem', 17, 'EEXIST'))).toBeInstanceOf(KeyExistsError);
    expect(fromNative(raw('bpf_map_update_batch', 7, 'E2BIG'))).toBeInstanceOf(MapFullError);
    expect(fromNative(raw('bpf_tc_attach', 17, 'EEXIST'))).not.toBeInstanceOf(KeyExistsError);
    expect(fromNative(raw('bpf_map_lookup_elem', 7, 'E2BIG'))).not.toBeInstanceOf(MapFullError);
  });

  it('types permission errors with a hint', () => {
    for (const [errno, code] of [[1, 'EPERM'], [13, 'EACCES']] as const) {
      const e = fromNative(raw('bpf_obj_get', errno, code));
      expect(e).toBeInstanceOf(PermissionError);
      expect((e as PermissionError).hint).toMatch(/CAP_BPF\+CAP_NET_ADMIN.*RLIMIT_MEMLOCK/);
    }
  });

  it('EOPNOTSUPP/ENOTSUPP are always NotSupported; EINVAL only for a feature probe', () => {
    expect(fromNative(raw('bpf_map_lookup_batch', 524, 'ENOTSUPP'))).toBeInstanceOf(NotSupportedError);
    expect(fromNative(raw('bpf_link_create', 95, 'EOPNOTSUPP'))).toBeInstanceOf(NotSupportedError);
    expect(fromNative(raw('bpf_link_create', 22, 'EINVAL'))).not.toBeInstanceOf(NotSupportedError);
    const e = fromNative(raw('bpf_link_create', 22, 'EINVAL'), { feature: 'tcx' });
    expect(e).toBeInstanceOf(NotSupportedError);
    expect(e).toMatchObject({ feature: 'tcx', code: 'EINVAL', hint: expect.stringContaining('tcx') });
    // still a BpfError for callers that test codes (src/dataplane/attach.ts)
    expect(e).toBeInstanceOf(BpfError);
  });

  it('probeFeature converts errors already typed by the wrapper', () => {
    const typed = fromNative(raw('bpf_link_create', 22, 'EINVAL'));
    expect(() =>
      probeFeature('tcx', () => {
        throw typed;
      }),
    ).toThrow(NotSupportedError);
    expect(probeFeature('tcx', () => 42)).toBe(42);
  });

  it('builds a VerifierError from a load log: program name and the last meaningful lines', () => {
    const e = fromNative(raw('bpf_object__load', 13, 'EACCES', VERIFIER_LOG));
    expect(e).toBeInstanceOf(VerifierError);
    const v = e as VerifierError;
    expect(v.log).toEqual(VERIFIER_LOG);
    expect(v.program).toBe('bad_prog');
    expect(v.message).toBe(
      'bpf_object__load: EACCES (errno 13): program bad_prog rejected by the verifier: ' +
        'invalid access to packet, off=0 size=4, R1(id=0,off=0,r=0); R1 offset is outside of the packet',
    );
  });

  it('a load failure without a verifier log keeps the log and names libbpf’s last word', () => {
    const log = ["libbpf: map 'big': failed to create: Operation not permitted(-1)", "libbpf: failed to load object 'x.o'"];
    const e = fromNative(raw('bpf_object__load', 1, 'EPERM', log));
    expect(e).toBeInstanceOf(PermissionError);
    expect((e as BpfError).log).toEqual(log);
    expect(e.message).toMatch(/: map 'big': failed to create/);
  });

  it('passes other errors through', () => {
    const t = new TypeError('Expected number for fd but received string');
    expect(fromNative(t)).toBe(t);
    expect(fromNative('boom')).toEqual(new Error('boom'));
    const typed = new KeyExistsError('bpf_map_update_elem', 17, 'EEXIST');
    expect(fromNative(typed)).toBe(typed);
  });
});

describe('verifierTail', () => {
  it('ignores statistics and framing', () => {
    expect(verifierTail(VERIFIER_LOG, 1)).toEqual(['R1 offset is outside of the packet']);
    expect(verifierTail(['only line'])).toEqual(['only line']);
    expect(verifierTail([])).toEqual([]);
  });
});

describe('MapIncompatibleError', () => {
  it('names the map, the pin and what differs', () => {
    const e = new MapIncompatibleError(
      'tt_endpoints',
      '/sys/fs/bpf/tortie/maps/tt_endpoints_v1',
      { type: 1, keySize: 4, valueSize: 16, maxEntries: 1024 },
      { type: 1, keySize: 4, valueSize: 12, maxEntries: 1024 },
    );
    expect(e).toBeInstanceOf(BpfError);
    expect(e.message).toContain('tt_endpoints');
    expect(e.message).toContain('/sys/fs/bpf/tortie/maps/tt_endpoints_v1');
    expect(e.message).toContain('valueSize 12 (expected 16)');
    expect(e.message).not.toContain('keySize');
  });
});

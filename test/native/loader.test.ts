/** src/native/index.ts: loading, argument checks, error conversion. */
import { createRequire } from 'node:module';
import { describe, it, expect } from 'vitest';
import type { NativeBinding } from '../../src/native/binding.js';
import { KeyExistsError } from '../../src/native/errors.js';
import { defaultAddonPath, loadNative, native, wrapNative } from '../../src/native/index.js';

/** A binding whose every function records its call and returns undefined. */
function fakeBinding(overrides: Partial<NativeBinding> = {}): { binding: NativeBinding; calls: string[] } {
  const calls: string[] = [];
  const binding = new Proxy(overrides as NativeBinding, {
    get: (target, name: string) =>
      (target as unknown as Record<string, unknown>)[name] ??
      ((..._args: unknown[]) => {
        calls.push(name);
      }),
  });
  return { binding, calls };
}

describe('loadNative', () => {
  it('tells the user to build the addon when the file is missing', () => {
    expect(() => loadNative('/nonexistent/tortie_native.node')).toThrow(/npm run build:native/);
  });

  it('finds build/Release under the package root', () => {
    expect(defaultAddonPath()).toMatch(/\/build\/Release\/tortie_native\.node$/);
  });

  it('exposes every function of the binding', () => {
    const n = loadNative();
    expect(n.possibleCpus()).toBeGreaterThan(0);
    expect(Object.keys(native).sort()).toEqual(Object.keys(n).sort());
    expect(Object.keys(n)).toHaveLength(45);
  });
});

describe('wrapNative', () => {
  it('checks values before calling, with sharp-style messages', () => {
    const { binding, calls } = fakeBinding();
    const n = wrapNative(binding);
    expect(() => n.close(-1)).toThrow('Expected file descriptor (non-negative integer) for fd but received -1 of type number');
    expect(() => n.mapLookupBatch(3, null, new Uint8Array(10), new Uint8Array(12), 3)).toThrow(
      /Expected Uint8Array of count \(3\) equally sized elements for keys but received Uint8Array\(10\)/,
    );
    expect(() => n.mapNextKey(3, new Uint8Array(2), 4)).toThrow(/keySize \(4\) bytes for key/);
    expect(() => n.tcQuery(1, true, 0, 1)).toThrow(/positive integer for handle/);
    expect(() => n.progTestRun(3, { data: new Uint8Array(10), dataOutSize: 10 })).toThrow(/at least 14 bytes for input.data/);
    expect(() => n.progTestRun(3, { data: new Uint8Array(20), dataOutSize: 19 })).toThrow(/input.dataOutSize/);
    expect(calls).toEqual([]);
    n.close(5);
    expect(calls).toEqual(['close']);
  });

  it('converts thrown native errors', () => {
    const { binding } = fakeBinding({
      mapUpdate: () => {
        throw Object.assign(new Error('bpf_map_update_elem: File exists'), { op: 'bpf_map_update_elem', errno: 17, code: 'EEXIST' });
      },
    });
    const n = wrapNative(binding);
    expect(() => n.mapUpdate(3, new Uint8Array(4), new Uint8Array(8), 1)).toThrow(KeyExistsError);
  });

  it('refuses a binding that lacks functions', () => {
    expect(() => wrapNative({} as NativeBinding)).toThrow(/no function objectOpen/);
  });
});

describe('the C++ layer checks argument types', () => {
  const raw = createRequire(import.meta.url)(defaultAddonPath()) as Record<string, (...a: unknown[]) => unknown>;

  it('throws TypeError naming the argument', () => {
    expect(() => raw.close!('3')).toThrow(new TypeError('Expected number for fd but received string'));
    expect(() => raw.mapLookup!(3, [1, 2], new Uint8Array(4))).toThrow('Expected Uint8Array for key but received object');
    expect(() => raw.mapLookup!(3, new Uint16Array(2), new Uint8Array(4))).toThrow(/Uint8Array for key but received another typed array/);
    expect(() => raw.objectLoad!({})).toThrow('Expected bpf object handle for obj but received object');
    expect(() => raw.progTestRun!(3, { dataOutSize: 10 })).toThrow('Expected Uint8Array for input.data but received undefined');
  });

  it('accepts Buffers (a Uint8Array subclass) and honours byteOffset', () => {
    expect(raw.ifNameToIndex!('lo')).toBe(1);
    const big = Buffer.alloc(64);
    expect(() => raw.mapLookup!(-1, big.subarray(8, 12), big.subarray(16))).toThrow(/bpf_map_lookup_elem: Bad file descriptor/);
  });
});

/** Shared setup for the native layer tests: fixtures, a private pin folder, a private netns. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { native } from '../../src/native/index.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const IS_ROOT = process.getuid?.() === 0;
export const SKIP_REASON = 'needs root (BPF syscalls, bpffs, network namespaces)';

/** Builds (if needed) and returns bpf/build/<name>.o. flock: test files run in parallel and share the make target. */
export function fixture(name: 'native_fixture' | 'bad_prog'): string {
  const target = `build/${name}.o`;
  execFileSync('flock', ['/tmp/tortie-bpf-fixtures.lock', 'make', '-s', '-C', join(REPO, 'bpf'), target], { stdio: 'pipe' });
  return join(REPO, 'bpf', target);
}

export function randomSuffix(): string {
  return randomBytes(4).toString('hex');
}

function bpffsMounted(): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => {
      const [, mountPoint, fsType] = line.split(' ');
      return mountPoint === '/sys/fs/bpf' && fsType === 'bpf';
    });
}

/** A fresh folder under /sys/fs/bpf/tortie/; remove() deletes it with everything pinned inside. */
export function makePinDir(): { path: string; remove(): void } {
  if (!bpffsMounted()) execFileSync('mount', ['-t', 'bpf', 'bpf', '/sys/fs/bpf'], { stdio: 'pipe' });
  const path = `/sys/fs/bpf/tortie/test-${randomSuffix()}`;
  mkdirSync(path, { recursive: true });
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A network namespace `<prefix>-<random>` holding veth pairs, entered only around `run` callbacks
 * (setns is per thread; the original netns is restored from an fd opened before).
 */
export class TestNetns {
  readonly name: string;
  private nsFd = -1;
  private homeFd = -1;

  constructor(prefix = 'tt-nat') {
    this.name = `${prefix}-${randomSuffix()}`;
  }

  create(veths: Array<[string, string]>): void {
    execFileSync('ip', ['netns', 'add', this.name], { stdio: 'pipe' });
    for (const [a, b] of veths) {
      execFileSync('ip', ['-n', this.name, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b], { stdio: 'pipe' });
    }
    this.homeFd = native.netnsOpen('/proc/thread-self/ns/net');
    this.nsFd = native.netnsOpen(`/run/netns/${this.name}`);
  }

  run<T>(fn: () => T): T {
    native.netnsSet(this.nsFd);
    try {
      return fn();
    } finally {
      native.netnsSet(this.homeFd);
    }
  }

  /** Always safe to call, also after a failed create(). */
  destroy(): void {
    for (const fd of [this.nsFd, this.homeFd]) if (fd >= 0) native.close(fd);
    this.nsFd = this.homeFd = -1;
    try {
      execFileSync('ip', ['netns', 'del', this.name], { stdio: 'pipe' });
    } catch {
      // not created
    }
  }
}

/**
 * A namespace for route tests: uplink `up0` (172.16.0.43/12, default route via 172.16.0.1, peer
 * `up0p`) and a pair `cA`/`cB` standing for a pod's cali, all up.
 */
export class UplinkNetns extends TestNetns {
  override create(): void {
    super.create([
      ['up0', 'up0p'],
      ['cA', 'cB'],
    ]);
    for (const dev of ['lo', 'up0', 'up0p', 'cA', 'cB']) this.ip('link', 'set', dev, 'up');
    this.ip('addr', 'add', '172.16.0.43/12', 'dev', 'up0');
    this.ip('route', 'add', 'default', 'via', '172.16.0.1', 'dev', 'up0');
  }

  ip(...args: string[]): string {
    return execFileSync('ip', ['-n', this.name, ...args], { stdio: 'pipe', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  }
}

/** Little-endian u32 / u64 encoders for keys and values. */
export function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

export function u64le(n: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
}

export function readU32(b: Uint8Array, off = 0): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
}

export function readU64(b: Uint8Array, off = 0): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);
}

/** The fixture's .rodata (struct nf_config in bpf/test/native_fixture.c, 20 bytes). */
export function fixtureConfig(c: { magic: number; add: number; mac0: number; addr: [number, number, number, number] }): Uint8Array {
  const b = new Uint8Array(20);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, c.magic, true);
  dv.setUint32(4, c.add, true);
  b[8] = c.mac0;
  b.set(c.addr, 16); // network byte order
  return b;
}

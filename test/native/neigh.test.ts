/**
 * The kernel neighbour table over rtnetlink: neighList dumps and neighWatch events, in private
 * network namespaces (tt-nl-<random>, always deleted) holding a veth pair. No traffic leaves them.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import type { NativeBinding, NeighEvent, NeighWatchInfo, NeighWatcher } from '../../src/native/binding.js';
import { BpfError } from '../../src/native/errors.js';
import { defaultAddonPath, native, wrapNative } from '../../src/native/index.js';
import { formatNudState, NUD_NAMES, watchNeighbours } from '../../src/dataplane/kernel-neigh.js';
import { NudState } from '../../src/dataplane/abi.js';
import { IS_ROOT, SKIP_REASON, TestNetns } from './helpers.js';

const EVENT_TIMEOUT_MS = 1000;

/** A netns `tt-nl-<random>` with veth pair vA/vB (up), entered only around `run` callbacks. */
class NlNetns extends TestNetns {
  constructor() {
    super('tt-nl');
  }

  override create(): void {
    super.create([['vA', 'vB']]);
    this.ip('link', 'set', 'vA', 'up');
    this.ip('link', 'set', 'vB', 'up');
  }

  ip(...args: string[]): void {
    execFileSync('ip', ['-n', this.name, ...args], { stdio: 'pipe' });
  }

  /** `ip -batch -`: many commands from one process, faster than the loop can read their events. */
  ipBatch(lines: string[]): void {
    execFileSync('ip', ['-n', this.name, '-batch', '-'], { input: lines.join('\n') + '\n', stdio: 'pipe' });
  }

  /** Runs `node -e script` inside the netns; the addon's path is in process.env.ADDON. */
  node(script: string, flags: string[] = []): { status: number | null; stdout: string; stderr: string } {
    try {
      const stdout = execFileSync('ip', ['netns', 'exec', this.name, process.execPath, ...flags, '-e', script], {
        env: { ...process.env, ADDON: defaultAddonPath() },
        stdio: 'pipe',
        timeout: 10_000,
        encoding: 'utf8',
      });
      return { status: 0, stdout, stderr: '' };
    } catch (e) {
      const r = e as { status: number | null; stdout: string; stderr: string };
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }
  }
}

/** Collects every batch a watcher delivers; `until` waits for an event matching `pred`. */
class Recorder {
  readonly events: NeighEvent[] = [];
  readonly batches: Array<{ events: NeighEvent[]; info: NeighWatchInfo }> = [];
  private waiters: Array<() => void> = [];

  readonly callback = (events: NeighEvent[], info: NeighWatchInfo): void => {
    this.events.push(...events);
    this.batches.push({ events, info });
    for (const w of this.waiters) w();
  };

  until(pred: (e: NeighEvent) => boolean, what: string, timeoutMs = EVENT_TIMEOUT_MS): Promise<NeighEvent> {
    return this.wait(() => this.events.find(pred), what, timeoutMs);
  }

  untilOverrun(timeoutMs: number): Promise<{ events: NeighEvent[]; info: NeighWatchInfo }> {
    return this.wait(() => this.batches.find((b) => b.info.overrun), 'overrun', timeoutMs);
  }

  private wait<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hit = find();
        if (hit) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== onBatch);
          resolve(hit);
        }
        return hit !== undefined;
      };
      const onBatch = (): void => void check();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== onBatch);
        reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.events.slice(0, 20))}`));
      }, timeoutMs);
      if (!check()) this.waiters.push(onBatch);
    });
  }
}

describe('NUD names', () => {
  it('maps every NudState bit to its ip-neigh name', () => {
    expect(NUD_NAMES[0x80]).toBe('PERMANENT');
    expect(Object.keys(NUD_NAMES)).toHaveLength(Object.keys(NudState).length);
    expect(formatNudState(NudState.REACHABLE)).toBe('REACHABLE');
    expect(formatNudState(0)).toBe('NONE');
    expect(formatNudState(NudState.STALE | NudState.NOARP)).toBe('STALE NOARP');
    expect(formatNudState(0x100 | NudState.PERMANENT)).toBe('PERMANENT 0x100');
  });
});

describe('neighWatch wrapping (fake binding)', () => {
  function fakeWith(neighWatch: NativeBinding['neighWatch']): NativeBinding {
    return new Proxy({ neighWatch } as unknown as NativeBinding, {
      get: (target, name: string) => (target as unknown as Record<string, unknown>)[name] ?? (() => undefined),
    });
  }

  it('checks the callback and hands it typed errors', () => {
    const rawError = Object.assign(new Error('recv: No buffer space available'), { op: 'recv', errno: 105, code: 'ENOBUFS' });
    const n = wrapNative(fakeWith((cb) => (cb([], { overrun: true, error: rawError }), { close() {} })));
    expect(() => n.neighWatch(42 as never)).toThrow(/Expected function for callback/);
    expect(() => n.neighList(-1)).toThrow(/ifindex/);
    let got: NeighWatchInfo | undefined;
    n.neighWatch((_events, info) => (got = info));
    expect(got?.overrun).toBe(true);
    expect(got?.error).toBeInstanceOf(BpfError);
    expect(got?.error).toMatchObject({ op: 'recv', code: 'ENOBUFS' });
  });

  it('does not catch what the callback throws', () => {
    const n = wrapNative(fakeWith((cb) => (cb([], { overrun: false }), { close() {} })));
    expect(() =>
      n.neighWatch(() => {
        throw new RangeError('mine');
      }),
    ).toThrow(RangeError);
  });

  it('watchNeighbours keeps one interface and skips empty batches, but never an overrun', () => {
    let deliver: Parameters<NativeBinding['neighWatch']>[0] = () => {};
    const fake = fakeWith((cb) => ((deliver = cb), { close() {} }));
    const seen: Array<[NeighEvent[], NeighWatchInfo]> = [];
    watchNeighbours(fake, 7, (events, info) => seen.push([events, info]));
    const ev = (ifindex: number): NeighEvent => ({ type: 'new', ifindex, ip: '10.0.0.1', mac: null, state: 1, flags: 0 });
    deliver([ev(3), ev(7)], { overrun: false });
    deliver([ev(3)], { overrun: false });
    deliver([], { overrun: true });
    expect(seen).toEqual([
      [[ev(7)], { overrun: false }],
      [[], { overrun: true }],
    ]);
  });
});

describe.skipIf(!IS_ROOT)(`kernel neighbour table over rtnetlink (${IS_ROOT ? 'root' : SKIP_REASON})`, () => {
  const ns = new NlNetns();
  const other = new NlNetns();
  let ifindex = 0;

  beforeAll(() => {
    ns.create();
    other.create();
    ifindex = ns.run(() => native.ifNameToIndex('vA'));
  });

  afterAll(() => {
    ns.destroy();
    other.destroy();
  });

  it('lists entries of the calling thread’s namespace, with state and MAC', () => {
    ns.ip('neigh', 'add', '10.99.0.2', 'lladdr', '02:00:00:00:00:02', 'dev', 'vA', 'nud', 'permanent');
    ns.ip('neigh', 'add', '10.99.0.9', 'dev', 'vA', 'nud', 'failed');
    const peer = ns.run(() => native.ifNameToIndex('vB'));
    const all = ns.run(() => native.neighList(0));
    const onA = ns.run(() => native.neighList(ifindex));
    expect(onA).toContainEqual({ ifindex, ip: '10.99.0.2', mac: '02:00:00:00:00:02', state: NudState.PERMANENT, flags: 0 });
    expect(onA).toContainEqual({ ifindex, ip: '10.99.0.9', mac: null, state: NudState.FAILED, flags: 0 });
    expect(onA.every((e) => e.ifindex === ifindex)).toBe(true);
    expect(all).toEqual(expect.arrayContaining(onA));
    expect(ns.run(() => native.neighList(peer)).some((e) => e.ip === '10.99.0.2')).toBe(false);
    // the host namespace (the thread is back there) has no such entry
    expect(native.neighList(0).some((e) => e.ip === '10.99.0.2' && e.mac === '02:00:00:00:00:02')).toBe(false);
    expect(formatNudState(onA.find((e) => e.ip === '10.99.0.2')!.state)).toBe('PERMANENT');
  });

  it('watches new, changed and deleted entries, only of its own namespace', async () => {
    const rec = new Recorder();
    const elsewhere = new Recorder();
    let watcher: NeighWatcher | undefined;
    let otherWatcher: NeighWatcher | undefined;
    try {
      watcher = ns.run(() => native.neighWatch(rec.callback));
      otherWatcher = other.run(() => native.neighWatch(elsewhere.callback));
      const ip = '10.99.0.3';
      const mine = (e: NeighEvent): boolean => e.ip === ip && e.ifindex === ifindex;

      // changes in the other namespace first: they must never reach `rec`
      other.ip('neigh', 'replace', '10.99.0.77', 'lladdr', '02:00:00:00:00:77', 'dev', 'vA', 'nud', 'reachable');
      await elsewhere.until((e) => e.ip === '10.99.0.77', 'event in the other namespace');

      let t0 = Date.now();
      ns.ip('neigh', 'replace', ip, 'lladdr', '02:00:00:00:00:03', 'dev', 'vA', 'nud', 'reachable');
      const added = await rec.until((e) => mine(e) && e.type === 'new', "'new' event");
      expect(added).toEqual({ type: 'new', ifindex, ip, mac: '02:00:00:00:00:03', state: NudState.REACHABLE, flags: 0 });
      expect(Date.now() - t0).toBeLessThan(EVENT_TIMEOUT_MS);

      t0 = Date.now();
      ns.ip('neigh', 'replace', ip, 'lladdr', '02:00:00:00:00:03', 'dev', 'vA', 'nud', 'stale');
      const changed = await rec.until((e) => mine(e) && e.type === 'new' && e.state === NudState.STALE, "'new' with STALE");
      expect(changed.mac).toBe('02:00:00:00:00:03');
      expect(Date.now() - t0).toBeLessThan(EVENT_TIMEOUT_MS);

      t0 = Date.now();
      ns.ip('neigh', 'del', ip, 'dev', 'vA');
      const deleted = await rec.until((e) => mine(e) && e.type === 'del', "'del' event");
      expect(deleted).toMatchObject({ type: 'del', ifindex, ip });
      expect(Date.now() - t0).toBeLessThan(EVENT_TIMEOUT_MS);

      expect(rec.events.some((e) => e.ip === '10.99.0.77')).toBe(false);
      expect(elsewhere.events.some((e) => e.ip === ip)).toBe(false);
      expect(rec.batches.every((b) => b.info.overrun === false && b.info.error === undefined && b.events.length > 0)).toBe(true);
    } finally {
      watcher?.close();
      otherWatcher?.close();
    }
  });

  it('close() stops the events and is harmless twice', async () => {
    const rec = new Recorder();
    const watcher = ns.run(() => native.neighWatch(rec.callback));
    try {
      ns.ip('neigh', 'replace', '10.99.0.4', 'lladdr', '02:00:00:00:00:04', 'dev', 'vA', 'nud', 'reachable');
      await rec.until((e) => e.ip === '10.99.0.4', 'event before close');
    } finally {
      watcher.close();
      watcher.close();
    }
    const before = rec.events.length;
    ns.ip('neigh', 'del', '10.99.0.4', 'dev', 'vA');
    await new Promise((r) => setTimeout(r, 200));
    expect(rec.events.length).toBe(before);
  });

  it('reports ENOBUFS as an overrun with an empty batch, then keeps delivering', async () => {
    const rec = new Recorder();
    const watcher = ns.run(() => native.neighWatch(rec.callback));
    try {
      // Every replace that flips the state is an event: 40k of them (~850 bytes each in the socket's
      // accounting) overflow the 4 MiB (8 MiB effective) receive buffer while this thread is blocked.
      const flips = Array.from({ length: 40_000 }, (_, i) =>
        `neigh replace 10.99.0.6 lladdr 02:00:00:00:00:06 dev vA nud ${i % 2 ? 'stale' : 'reachable'}`,
      );
      ns.ipBatch(flips);
      const overrun = await rec.untilOverrun(5000);
      expect(overrun).toEqual({ events: [], info: { overrun: true } });

      ns.ip('neigh', 'replace', '10.99.0.6', 'lladdr', '02:00:00:00:00:66', 'dev', 'vA', 'nud', 'permanent');
      await rec.until((e) => e.ip === '10.99.0.6' && e.mac === '02:00:00:00:00:66', 'event after the overrun', 5000);
      // the queue was discarded with the overrun: no stale flips arrive after it
      const after = rec.batches.slice(rec.batches.indexOf(overrun) + 1).flatMap((b) => b.events);
      expect(after.map((e) => e.mac)).toEqual(['02:00:00:00:00:66']);
      // the resync a caller does after an overrun
      const entry = ns.run(() => native.neighList(ifindex)).find((e) => e.ip === '10.99.0.6');
      expect(entry).toMatchObject({ mac: '02:00:00:00:00:66', state: NudState.PERMANENT });
    } finally {
      watcher.close();
    }
  });

  it('a watcher keeps the process alive until closed', () => {
    const r = ns.node(`
      const w = require(process.env.ADDON).neighWatch(() => {});
      setTimeout(() => { console.log('alive'); w.close(); }, 300).unref();
    `);
    expect(r).toMatchObject({ status: 0, stdout: 'alive\n' });
  });

  it('garbage collection neither stops an open watcher nor breaks a detached close()', () => {
    const r = ns.node(
      `
      const addon = require(process.env.ADDON);
      addon.neighWatch((events) => {
        console.log('event ' + events[0].ip);
        let { close } = addon.neighWatch(() => {}); // close() without its object
        gc();
        close();
        gc();
        close();
        close = null;
        gc();
        setTimeout(() => process.exit(0), 20);
      }); // no reference kept: only the kernel's event can end this process
      gc();
      setTimeout(() => {
        gc();
        require('node:child_process').execFileSync('ip', ['neigh', 'replace', '10.99.0.8', 'lladdr', '02:00:00:00:00:08', 'dev', 'vA', 'nud', 'permanent']);
      }, 50);
    `,
      ['--expose-gc'],
    );
    expect(r).toMatchObject({ status: 0, stdout: 'event 10.99.0.8\n' });
  });

  it('an exception thrown by the callback reaches uncaughtException', () => {
    const r = ns.node(`
      const w = require(process.env.ADDON).neighWatch(() => { throw new Error('boom'); });
      process.on('uncaughtException', (e) => { console.log('uncaught ' + e.message); w.close(); });
      require('node:child_process').execFileSync('ip', ['neigh', 'replace', '10.99.0.5', 'lladdr', '02:00:00:00:00:05', 'dev', 'vA', 'nud', 'permanent']);
    `);
    expect(r).toMatchObject({ status: 0, stdout: 'uncaught boom\n' });
  });
});

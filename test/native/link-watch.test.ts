/**
 * linkWatch: interface events (RTM_NEWLINK / RTM_DELLINK) from netlink, in a private network
 * namespace (tt-lw-<random>, always deleted). The socket belongs to the netns it was opened in.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkEvent, LinkWatcher, NativeBinding } from '../../src/native/binding.js';
import { BpfError } from '../../src/native/errors.js';
import { native, wrapNative } from '../../src/native/index.js';
import { IS_ROOT, SKIP_REASON, TestNetns } from './helpers.js';

describe('linkWatch wrapping (fake binding)', () => {
  it('checks the callback and hands it typed errors', () => {
    const rawError = Object.assign(new Error('recv: No buffer space available'), { op: 'recv', errno: 105, code: 'ENOBUFS' });
    const fake = new Proxy({ linkWatch: (cb: Parameters<NativeBinding['linkWatch']>[0]) => (cb([], { overrun: true, error: rawError }), { close() {} }) }, {
      get: (target, name: string) => (target as Record<string, unknown>)[name] ?? (() => undefined),
    }) as unknown as NativeBinding;
    const n = wrapNative(fake);
    expect(() => n.linkWatch(1 as never)).toThrow(/Expected function for callback/);
    let error: unknown;
    n.linkWatch((_events, info) => (error = info.error));
    expect(error).toBeInstanceOf(BpfError);
  });
});

describe.skipIf(!IS_ROOT)(`link events over rtnetlink (${IS_ROOT ? 'root' : SKIP_REASON})`, () => {
  const ns = new TestNetns('tt-lw');
  const ip = (...args: string[]) => execFileSync('ip', ['-n', ns.name, ...args], { stdio: 'pipe' });
  const events: LinkEvent[] = [];
  let watcher: LinkWatcher | undefined;

  const until = async (pred: (e: LinkEvent) => boolean, what: string): Promise<LinkEvent> => {
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      const hit = events.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${what} within 2 s; got ${JSON.stringify(events)}`);
  };

  beforeAll(() => {
    ns.create([]);
    watcher = ns.run(() => native.linkWatch((batch) => events.push(...batch)));
  });

  afterAll(() => {
    watcher?.close();
    ns.destroy();
  });

  it('reports a new interface with its name and index, then its going up, then its deletion', async () => {
    ip('link', 'add', 'calitest000001', 'type', 'veth', 'peer', 'name', 'peer0');
    const added = await until((e) => e.type === 'new' && e.name === 'calitest000001', 'RTM_NEWLINK for calitest000001');
    expect(added.ifindex).toBeGreaterThan(1);
    ip('link', 'set', 'calitest000001', 'up');
    await until((e) => e.type === 'new' && e.name === 'calitest000001' && (e.flags & 0x1) !== 0, 'IFF_UP');
    ip('link', 'del', 'calitest000001');
    const deleted = await until((e) => e.type === 'del' && e.name === 'calitest000001', 'RTM_DELLINK');
    expect(deleted.ifindex).toBe(added.ifindex);
  });

  it('a port leaving a bridge is not a deletion (AF_BRIDGE messages are left out)', async () => {
    ip('link', 'add', 'br0', 'type', 'bridge');
    ip('link', 'add', 'caliport000001', 'type', 'veth', 'peer', 'name', 'peer1');
    ip('link', 'set', 'caliport000001', 'master', 'br0');
    ip('link', 'set', 'caliport000001', 'nomaster');
    ip('link', 'add', 'marker0', 'type', 'veth', 'peer', 'name', 'marker0p'); // events arrive in order: after this, nothing else is due
    await until((e) => e.name === 'marker0', 'the marker');
    expect(events.filter((e) => e.name === 'caliport000001' && e.type === 'del')).toEqual([]);
  });

  it('does not hear other namespaces', async () => {
    const before = events.length;
    const other = new TestNetns('tt-lw');
    other.create([]);
    try {
      execFileSync('ip', ['-n', other.name, 'link', 'add', 'califoreign0001', 'type', 'veth', 'peer', 'name', 'foreignp'], { stdio: 'pipe' });
      ip('link', 'add', 'marker1', 'type', 'veth', 'peer', 'name', 'marker1p');
      await until((e) => e.name === 'marker1', 'the marker');
      expect(events.slice(before).map((e) => e.name)).not.toContain('califoreign0001');
    } finally {
      other.destroy();
    }
  });
});

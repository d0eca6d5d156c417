/**
 * IPv4 routes over rtnetlink: routeWrite batches, routeDump by protocol and routeLookup, in private
 * network namespaces (tt-rt-<random>, always deleted) whose uplink up0 (a veth) carries 172.16.0.43/12
 * with a default route via 172.16.0.1. Checked against what `ip -j -d route show` reports.
 */
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NativeBinding, RouteOp } from '../../src/native/binding.js';
import { errnoCode } from '../../src/native/errors.js';
import { defaultAddonPath, native } from '../../src/native/index.js';
import { IS_ROOT, SKIP_REASON, UplinkNetns } from './helpers.js';

const PROTO = 116;
const ENODEV = 19;
const EINVAL = 22;
const ESRCH = 3;
const ENETUNREACH = 101;

interface IpRoute {
  type: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  protocol?: string;
  scope?: string;
  flags: string[];
  metrics?: Array<{ mtu?: number }>;
}

class RouteNetns extends UplinkNetns {
  constructor() {
    super('tt-rt');
  }

  /** Every route of the main table (or `table`), as iproute2 sees it. */
  routes(table = 'main'): IpRoute[] {
    return JSON.parse(this.ip('-j', '-d', '-4', 'route', 'show', 'table', table) || '[]') as IpRoute[];
  }

  route(dst: string): IpRoute | undefined {
    return this.routes().find((r) => r.dst === dst);
  }

  /** Removes every route of Tortie's protocol, so each test starts from none. */
  flushProto(): void {
    this.ip('route', 'flush', 'proto', String(PROTO));
  }
}

describe.skipIf(!IS_ROOT)(`IPv4 routes over rtnetlink (${IS_ROOT ? 'root' : SKIP_REASON})`, () => {
  const ns = new RouteNetns();
  let up0 = 0;
  let cA = 0;

  beforeAll(() => {
    ns.create();
    [up0, cA] = ns.run(() => [native.ifNameToIndex('up0'), native.ifNameToIndex('cA')]);
  });

  afterAll(() => ns.destroy());

  afterEach(() => ns.flushProto());

  const write = (ops: RouteOp[]) => ns.run(() => native.routeWrite(ops));
  const replace = (dst: string, prefixLen: number, extra: Partial<RouteOp> = {}): RouteOp => ({
    op: 'replace',
    dst,
    prefixLen,
    protocol: PROTO,
    ...extra,
  });
  const del = (dst: string, prefixLen: number, extra: Partial<RouteOp> = {}): RouteOp => ({ op: 'delete', dst, prefixLen, protocol: PROTO, ...extra });

  it('creates routes with their gateway, onlink flag, MTU and protocol, in the main table', () => {
    const errnos = write([
      replace('10.0.0.0', 26, { gateway: '172.16.0.5', ifindex: up0, onlink: true, mtu: 1450 }),
      replace('10.0.0.64', 26, { gateway: '172.16.0.6', ifindex: up0, mtu: 1400 }),
      replace('10.0.1.0', 24, { gateway: '172.16.0.1', ifindex: up0 }),
      replace('172.18.22.113', 32, { gateway: '10.24.2.2', ifindex: cA, onlink: true }),
    ]);
    expect(errnos).toEqual([0, 0, 0, 0]);
    expect(ns.route('10.0.0.0/26')).toMatchObject({
      type: 'unicast',
      gateway: '172.16.0.5',
      dev: 'up0',
      protocol: String(PROTO),
      scope: 'global',
      flags: ['onlink'],
      metrics: [{ mtu: 1450 }],
    });
    expect(ns.route('10.0.0.64/26')).toMatchObject({ gateway: '172.16.0.6', dev: 'up0', protocol: String(PROTO), flags: [], metrics: [{ mtu: 1400 }] });
    const viaRouter = ns.route('10.0.1.0/24');
    expect(viaRouter).toMatchObject({ gateway: '172.16.0.1', dev: 'up0', protocol: String(PROTO), flags: [] });
    expect(viaRouter?.metrics).toBeUndefined();
    expect(ns.route('172.18.22.113')).toMatchObject({ gateway: '10.24.2.2', dev: 'cA', protocol: String(PROTO), flags: ['onlink'] });
    // nothing went elsewhere: not to another table, not to the host's namespace
    expect(ns.routes('all').filter((r) => r.protocol === String(PROTO) && r.table !== 'main')).toEqual([]);
    expect(native.routeDump(PROTO).some((r) => r.dst === '172.18.22.113' && r.gateway === '10.24.2.2')).toBe(false);
  });

  it('replaces a route in place: new gateway, MTU, flags; never a second copy', () => {
    expect(write([replace('10.0.0.0', 26, { gateway: '172.16.0.5', ifindex: up0, onlink: true, mtu: 1450 })])).toEqual([0]);
    expect(write([replace('10.0.0.0', 26, { gateway: '172.16.0.7', ifindex: up0, mtu: 1380 })])).toEqual([0]);
    const all = ns.routes().filter((r) => r.dst === '10.0.0.0/26');
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ gateway: '172.16.0.7', dev: 'up0', flags: [], metrics: [{ mtu: 1380 }] });
    // and a route someone else owns at the same prefix becomes ours
    ns.ip('route', 'add', '10.0.2.0/24', 'via', '172.16.0.9', 'dev', 'up0', 'proto', 'static');
    expect(write([replace('10.0.2.0', 24, { gateway: '172.16.0.8', ifindex: up0 })])).toEqual([0]);
    expect(ns.routes().filter((r) => r.dst === '10.0.2.0/24')).toEqual([
      expect.objectContaining({ gateway: '172.16.0.8', protocol: String(PROTO) }),
    ]);
  });

  it('deletes routes of its protocol only; nothing to delete is ESRCH', () => {
    ns.ip('route', 'add', '10.0.3.0/24', 'via', '172.16.0.9', 'dev', 'up0', 'proto', 'static');
    write([replace('10.0.4.0', 24, { gateway: '172.16.0.5', ifindex: up0 }), replace('10.0.5.0', 24, { gateway: '172.16.0.5', ifindex: up0 })]);
    expect(write([del('10.0.4.0', 24), del('10.0.3.0', 24), del('10.0.6.0', 24), del('10.0.5.0', 24, { gateway: '172.16.0.5' })])).toEqual([
      0,
      ESRCH,
      ESRCH,
      0,
    ]);
    expect(ns.route('10.0.4.0/24')).toBeUndefined();
    expect(ns.route('10.0.5.0/24')).toBeUndefined();
    expect(ns.route('10.0.3.0/24')).toMatchObject({ protocol: 'static' });
    ns.ip('route', 'del', '10.0.3.0/24');
  });

  it('reports each failed operation by its errno, and applies the others', () => {
    const errnos = write([
      replace('10.1.0.0', 24, { gateway: '172.16.0.5', ifindex: up0 }),
      // not on a connected network of up0, and not onlink
      replace('10.1.1.0', 24, { gateway: '192.168.50.1', ifindex: up0 }),
      replace('10.1.2.0', 24, { gateway: '172.16.0.5', ifindex: up0, mtu: 1400 }),
      // no such interface
      replace('10.1.3.0', 24, { gateway: '172.16.0.5', ifindex: 99_999, onlink: true }),
      // host bits set
      replace('10.1.4.1', 24, { gateway: '172.16.0.5', ifindex: up0 }),
      replace('10.1.5.0', 24, { gateway: '172.16.0.5', ifindex: up0 }),
    ]);
    expect(errnos.map((e) => (e === 0 ? 'ok' : errnoCode(e)))).toEqual(['ok', 'ENETUNREACH', 'ok', 'ENODEV', 'EINVAL', 'ok']);
    expect(errnos).toEqual([0, ENETUNREACH, 0, ENODEV, EINVAL, 0]);
    const ours = ns.routes().filter((r) => r.protocol === String(PROTO)).map((r) => r.dst);
    expect(ours.sort()).toEqual(['10.1.0.0/24', '10.1.2.0/24', '10.1.5.0/24']);
  });

  it('matches every answer to its operation across many sendmsg chunks', () => {
    const n = 3000;
    const bad = (i: number) => i % 97 === 13;
    const ops = Array.from({ length: n }, (_, i) =>
      replace(`10.${8 + (i >> 8)}.${i & 255}.0`, 24, { gateway: bad(i) ? '192.168.50.1' : '172.16.0.5', ifindex: up0, onlink: !bad(i), mtu: 1450 }),
    );
    const errnos = write(ops);
    expect(errnos).toHaveLength(n);
    errnos.forEach((e, i) => expect(e, `op ${i}`).toBe(bad(i) ? ENETUNREACH : 0));
    const dumped = ns.run(() => native.routeDump(PROTO));
    expect(dumped).toHaveLength(ops.filter((_, i) => !bad(i)).length);
    expect(write(ops.map((o) => del(o.dst, o.prefixLen))).filter((e) => e === 0)).toHaveLength(dumped.length);
    expect(ns.run(() => native.routeDump(PROTO))).toEqual([]);
  });

  it('dumps exactly the main table’s routes of one protocol', () => {
    write([
      replace('10.2.0.0', 26, { gateway: '172.16.0.5', ifindex: up0, onlink: true, mtu: 1450 }),
      replace('10.2.0.64', 26, { gateway: '172.16.0.1', ifindex: up0 }),
      replace('172.18.22.120', 32, { gateway: '10.24.2.2', ifindex: cA, onlink: true }),
    ]);
    ns.ip('route', 'add', '10.2.1.0/24', 'via', '172.16.0.5', 'dev', 'up0', 'proto', '117');
    ns.ip('route', 'add', '10.2.2.0/24', 'via', '172.16.0.5', 'dev', 'up0', 'proto', String(PROTO), 'table', '100');
    ns.ip('route', 'add', '10.2.3.0/24', 'dev', 'cA', 'proto', String(PROTO));
    try {
      const dumped = ns.run(() => native.routeDump(PROTO));
      const byDst = (a: { dst: string }, b: { dst: string }) => a.dst.localeCompare(b.dst);
      expect([...dumped].sort(byDst)).toEqual(
        [
          { dst: '10.2.0.0', prefixLen: 26, gateway: '172.16.0.5', ifindex: up0, mtu: 1450, onlink: true },
          { dst: '10.2.0.64', prefixLen: 26, gateway: '172.16.0.1', ifindex: up0, onlink: false },
          { dst: '10.2.3.0', prefixLen: 24, ifindex: cA, onlink: false },
          { dst: '172.18.22.120', prefixLen: 32, gateway: '10.24.2.2', ifindex: cA, onlink: true },
        ].sort(byDst),
      );
      // the same set iproute2 lists
      const listed = JSON.parse(ns.ip('-j', '-4', 'route', 'show', 'proto', String(PROTO))) as IpRoute[];
      expect(listed.map((r) => (r.dst.includes('/') ? r.dst : `${r.dst}/32`)).sort()).toEqual(dumped.map((r) => `${r.dst}/${r.prefixLen}`).sort());
      expect(ns.run(() => native.routeDump(117))).toEqual([expect.objectContaining({ dst: '10.2.1.0', prefixLen: 24 })]);
    } finally {
      ns.ip('route', 'del', '10.2.1.0/24', 'proto', '117');
      ns.ip('route', 'del', '10.2.2.0/24', 'table', '100');
    }
  });

  it('looks up the way out of an interface like `ip route get DST oif DEV`', () => {
    const answers = ns.run(() => native.routeLookup(up0, ['172.16.0.5', '172.31.255.254', '8.8.8.8', '10.24.0.1']));
    expect(answers).toEqual([
      { errno: 0, gateway: null },
      { errno: 0, gateway: null },
      { errno: 0, gateway: '172.16.0.1' },
      { errno: 0, gateway: '172.16.0.1' },
    ]);
    for (const [i, dst] of ['172.16.0.5', '8.8.8.8'].entries()) {
      const ip = JSON.parse(ns.ip('-j', 'route', 'get', dst, 'oif', 'up0')) as Array<{ gateway?: string }>;
      expect(ip[0]?.gateway ?? null).toBe([null, '172.16.0.1'][i]);
    }
    expect(ns.run(() => native.routeLookup(99_999, ['172.16.0.5']))).toEqual([{ errno: ENODEV, gateway: null }]);
    expect(ns.run(() => native.routeLookup(up0, []))).toEqual([]);
    // many in one call, answered in order
    const many = Array.from({ length: 600 }, (_, i) => (i % 2 ? `172.16.${i >> 8}.${i & 255}` : `192.168.${i >> 8}.${i & 255}`));
    const got = ns.run(() => native.routeLookup(up0, many));
    got.forEach((a, i) => expect(a, many[i]).toEqual({ errno: 0, gateway: i % 2 ? null : '172.16.0.1' }));
  });

  it('checks operations before anything reaches the kernel', () => {
    const ok = replace('10.3.0.0', 24, { gateway: '172.16.0.5', ifindex: up0 });
    expect(() => write([ok, { ...ok, dst: '10.3.0' }])).toThrow(/ops\[1\]\.dst/);
    expect(() => write([{ ...ok, prefixLen: 33 }])).toThrow(/ops\[0\]\.prefixLen/);
    expect(() => write([{ ...ok, protocol: 0 }])).toThrow(/ops\[0\]\.protocol/);
    expect(() => write([{ ...ok, op: 'add' as 'replace' }])).toThrow(/ops\[0\]\.op/);
    expect(() => write([{ ...ok, gateway: '::1' }])).toThrow(/ops\[0\]\.gateway/);
    expect(() => write([{ ...ok, ifindex: 0 }])).toThrow(/ops\[0\]\.ifindex/);
    expect(() => write([{ ...ok, mtu: -1 }])).toThrow(/ops\[0\]\.mtu/);
    expect(() => ns.run(() => native.routeDump(0))).toThrow(/protocol/);
    expect(() => ns.run(() => native.routeLookup(up0, ['300.1.1.1']))).toThrow(/dsts\[0\]/);
    expect(ns.route('10.3.0.0/24')).toBeUndefined();
    expect(write([])).toEqual([]);
  });

  it('the addon itself refuses malformed operations with a TypeError, before opening a socket', () => {
    const raw = createRequire(import.meta.url)(defaultAddonPath()) as NativeBinding;
    const ok = replace('10.3.0.0', 24, { gateway: '172.16.0.5', ifindex: up0 });
    expect(() => raw.routeWrite('x' as never)).toThrow(/Expected array for ops/);
    expect(() => raw.routeWrite([ok, null as never])).toThrow(/Expected object for ops\[1\] but received null/);
    expect(() => raw.routeWrite([{ ...ok, dst: '10.3.0.0/24' }])).toThrow(/ops\[0\]\.dst/);
    expect(() => raw.routeWrite([{ ...ok, gateway: 7 as never }])).toThrow(/ops\[0\]\.gateway/);
    expect(() => raw.routeWrite([{ ...ok, onlink: 1 as never }])).toThrow(/ops\[0\]\.onlink/);
    expect(() => raw.routeWrite([{ ...ok, protocol: undefined as never }])).toThrow(/ops\[0\]\.protocol/);
    expect(() => raw.routeLookup(up0, ['1.2.3.4', 5 as never])).toThrow(/dsts\[1\]/);
    expect(() => raw.routeWrite([{ ...ok, nhid: '9' as never }])).toThrow(/ops\[0\]\.nhid/);
    expect(() => raw.routeDump('116' as never)).toThrow(/protocol/);
    expect(ns.route('10.3.0.0/24')).toBeUndefined();

    const nh = { op: 'add' as const, id: 9, gateway: '172.16.0.5', ifindex: up0, protocol: PROTO };
    expect(() => raw.nexthopWrite([nh, 3 as never])).toThrow(/Expected object for ops\[1\] but received number/);
    expect(() => raw.nexthopWrite([{ ...nh, op: 'create' as never }])).toThrow(/ops\[0\]\.op/);
    expect(() => raw.nexthopWrite([{ ...nh, id: '9' as never }])).toThrow(/ops\[0\]\.id/);
    expect(() => raw.nexthopWrite([{ ...nh, gateway: '172.16.0' }])).toThrow(/ops\[0\]\.gateway/);
    expect(() => raw.nexthopWrite([{ ...nh, onlink: 'yes' as never }])).toThrow(/ops\[0\]\.onlink/);
    expect(ns.ip('nexthop', 'show').trim()).toBe('');
  });
});

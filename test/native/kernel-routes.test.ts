/**
 * KernelRoutes (src/dataplane/kernel-routes.ts) against a real kernel, over the addon's rtnetlink
 * functions: a private network namespace (tt-kr-<random>, always deleted) whose uplink up0 (a veth)
 * carries 172.16.0.43/12 with a default route via 172.16.0.1, and a pod-side veth cA for floating IPs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  KernelRouteError,
  KernelRoutes,
  listKernelRoutes,
  removeKernelRoutes,
  TORTIE_NEXTHOP_ID_BASE,
  TORTIE_ROUTE_PROTO,
  type DesiredKernelRoute,
} from '../../src/dataplane/kernel-routes.js';
import { IS_ROOT, SKIP_REASON, UplinkNetns } from './helpers.js';
import { native } from '../../src/native/index.js';

const PROTO = String(TORTIE_ROUTE_PROTO);

interface IpRoute {
  dst: string;
  nhid?: number;
  gateway?: string;
  dev?: string;
  protocol?: string;
  flags: string[];
  metrics?: Array<{ mtu?: number }>;
}

class KrNetns extends UplinkNetns {
  constructor() {
    super('tt-kr');
  }

  /** Tortie's routes as iproute2 lists them, by CIDR. */
  ours(): Map<string, IpRoute> {
    const list = JSON.parse(this.ip('-j', '-d', '-4', 'route', 'show', 'proto', PROTO) || '[]') as IpRoute[];
    return new Map(list.map((r) => [r.dst.includes('/') ? r.dst : `${r.dst}/32`, r]));
  }

  /** Next hop objects as iproute2 lists them (every owner), by id. */
  nexthops(): Map<number, IpNexthop> {
    const list = JSON.parse(this.ip('-j', 'nexthop', 'show') || '[]') as IpNexthop[];
    return new Map(list.map((n) => [n.id, n]));
  }

  /** Tortie's next hops, then its routes (`ip route flush` fails on routes through next hops). */
  flush(): void {
    this.ip('nexthop', 'flush', 'proto', PROTO);
    this.ip('route', 'flush', 'proto', PROTO);
  }
}

interface IpNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  protocol?: string;
  flags: string[];
}

const remote = (i: number, via = `172.16.1.${i}`, mtu = 1450): DesiredKernelRoute => ({ cidr: `10.0.${i}.0/26`, via, mtu });

describe.skipIf(!IS_ROOT)(`KernelRoutes over rtnetlink (${IS_ROOT ? 'root' : SKIP_REASON})`, () => {
  const ns = new KrNetns();

  beforeAll(() => ns.create());
  afterAll(() => ns.destroy());
  afterEach(() => ns.flush());

  it('writes remote routes on-link or via the router, with the MTU, and only what changed afterwards', () => {
    const kr = new KernelRoutes(native);
    const desired = [remote(1), remote(2), remote(3, '192.168.7.3')];
    expect(ns.run(() => kr.sync('up0', desired))).toEqual({ added: 3, changed: 0, removed: 0, pending: [] });
    const routes = ns.ours();
    expect(routes.get('10.0.1.0/26')).toMatchObject({ gateway: '172.16.1.1', dev: 'up0', flags: ['onlink'], metrics: [{ mtu: 1450 }] });
    expect(routes.get('10.0.2.0/26')).toMatchObject({ gateway: '172.16.1.2', dev: 'up0', flags: ['onlink'] });
    // a node outside the uplink's subnet: through the router the kernel would use
    expect(routes.get('10.0.3.0/26')).toMatchObject({ gateway: '172.16.0.1', dev: 'up0', flags: [], metrics: [{ mtu: 1450 }] });
    // each through a next hop object of Tortie's, one per way to a node
    const nexthops = ns.nexthops();
    for (const [cidr, via] of [['10.0.1.0/26', '172.16.1.1'], ['10.0.2.0/26', '172.16.1.2'], ['10.0.3.0/26', '172.16.0.1']] as const) {
      expect(nexthops.get(routes.get(cidr)!.nhid!)).toMatchObject({ gateway: via, dev: 'up0', protocol: PROTO });
    }
    expect(nexthops.size).toBe(3);

    expect(ns.run(() => kr.sync('up0', desired))).toEqual({ added: 0, changed: 0, removed: 0, pending: [] });
    expect(ns.run(() => kr.sync('up0', [remote(1, '172.16.1.1', 1400), remote(2), remote(4)]))).toEqual({
      added: 1,
      changed: 1,
      removed: 1,
      pending: [],
    });
    expect([...ns.ours().keys()].sort()).toEqual(['10.0.1.0/26', '10.0.2.0/26', '10.0.4.0/26']);
    expect(ns.ours().get('10.0.1.0/26')?.metrics).toEqual([{ mtu: 1400 }]);
    // the router's next hop went with the route through it
    expect([...ns.nexthops().values()].map((n) => n.gateway).sort()).toEqual(['172.16.1.1', '172.16.1.2', '172.16.1.4']);
  });

  it('shares a next hop between the routes to one node, gives up unused ones, and keeps off ids others use', () => {
    ns.ip('nexthop', 'add', 'id', String(TORTIE_NEXTHOP_ID_BASE), 'via', '172.16.9.9', 'dev', 'up0', 'onlink', 'proto', 'static');
    try {
      const kr = new KernelRoutes(native);
      const twoBlocks = [remote(1), { cidr: '10.0.101.0/26', via: '172.16.1.1', mtu: 1450 }];
      expect(ns.run(() => kr.sync('up0', [...twoBlocks, remote(2)]))).toMatchObject({ added: 3 });
      const routes = ns.ours();
      expect(routes.get('10.0.1.0/26')!.nhid).toBe(routes.get('10.0.101.0/26')!.nhid);
      expect(routes.get('10.0.2.0/26')!.nhid).not.toBe(routes.get('10.0.1.0/26')!.nhid);
      // someone else's next hop is left alone, and its id not taken
      expect(ns.nexthops().get(TORTIE_NEXTHOP_ID_BASE)).toMatchObject({ gateway: '172.16.9.9', protocol: 'static' });
      expect(ns.nexthops().size).toBe(3);
      // node 2's last route goes: so does its next hop; node 1's stays while one route uses it
      expect(ns.run(() => kr.sync('up0', [twoBlocks[0]!]))).toMatchObject({ removed: 2 });
      expect([...ns.nexthops().values()].map((n) => n.gateway).sort()).toEqual(['172.16.1.1', '172.16.9.9']);
      // a new daemon reads them all back and changes nothing
      expect(ns.run(() => new KernelRoutes(native).sync('up0', [twoBlocks[0]!]))).toEqual({ added: 0, changed: 0, removed: 0, pending: [] });
    } finally {
      ns.ip('nexthop', 'del', 'id', String(TORTIE_NEXTHOP_ID_BASE));
    }
  });

  it('starts from what the kernel holds: keeps right routes, fixes wrong ones, removes stale ones', () => {
    ns.ip('nexthop', 'add', 'id', '77', 'via', '172.16.1.1', 'dev', 'up0', 'onlink', 'proto', PROTO);
    ns.ip('route', 'add', '10.0.1.0/26', 'nhid', '77', 'mtu', '1450', 'proto', PROTO);
    ns.ip('route', 'add', '10.0.2.0/26', 'via', '172.16.1.9', 'dev', 'up0', 'onlink', 'mtu', '1450', 'proto', PROTO);
    ns.ip('route', 'add', '10.0.9.0/26', 'via', '172.16.1.9', 'dev', 'up0', 'proto', PROTO);
    ns.ip('route', 'add', '10.0.8.0/26', 'via', '172.16.1.9', 'dev', 'up0', 'proto', 'static');
    try {
      const kr = new KernelRoutes(native);
      expect(ns.run(() => kr.sync('up0', [remote(1), remote(2)]))).toEqual({ added: 0, changed: 1, removed: 1, pending: [] });
      expect([...ns.ours().keys()].sort()).toEqual(['10.0.1.0/26', '10.0.2.0/26']);
      expect(ns.ours().get('10.0.2.0/26')).toMatchObject({ gateway: '172.16.1.2', nhid: expect.any(Number) });
      expect(ns.ours().get('10.0.1.0/26')?.nhid).toBe(77);
      // a route deleted behind its back is written again once it forgets what it wrote
      ns.ip('route', 'del', '10.0.1.0/26', 'proto', PROTO);
      expect(ns.run(() => kr.sync('up0', [remote(1), remote(2)]))).toMatchObject({ added: 0 });
      kr.forget();
      expect(ns.run(() => kr.sync('up0', [remote(1), remote(2)]))).toMatchObject({ added: 1, changed: 0, removed: 0 });
    } finally {
      ns.ip('route', 'del', '10.0.8.0/26', 'proto', 'static');
    }
  });

  it('writes floating-IP routes through the pod interface, pending while it is missing or down', () => {
    const kr = new KernelRoutes(native);
    const fip = { cidr: '172.18.22.113/32', via: '10.24.2.2', dev: 'cA' };
    const later = { cidr: '172.18.22.114/32', via: '10.24.2.3', dev: 'cC' };
    let res = ns.run(() => kr.sync('up0', [remote(1)], [fip, later]));
    expect(res).toMatchObject({ added: 2, changed: 0, removed: 0 });
    expect(res.pending).toEqual(['172.18.22.114/32 via 10.24.2.3 dev cC: no such interface']);
    expect(ns.ours().get('172.18.22.113/32')).toMatchObject({ gateway: '10.24.2.2', dev: 'cA', flags: ['onlink'] });

    ns.ip('link', 'add', 'cC', 'type', 'veth', 'peer', 'name', 'cD');
    res = ns.run(() => kr.sync('up0', [remote(1)], [fip, later]));
    expect(res.pending).toEqual(['172.18.22.114/32 via 10.24.2.3 dev cC: ENETDOWN']);
    ns.ip('link', 'set', 'cC', 'up');
    ns.ip('link', 'set', 'cD', 'up');
    expect(ns.run(() => kr.sync('up0', [remote(1)], [fip, later]))).toEqual({ added: 1, changed: 0, removed: 0, pending: [] });
    expect(ns.ours().get('172.18.22.114/32')).toMatchObject({ gateway: '10.24.2.3', dev: 'cC', flags: ['onlink'] });

    // the pod's interface is created again under its name: its route went with the old one
    ns.ip('link', 'del', 'cC');
    ns.ip('link', 'add', 'cC', 'type', 'veth', 'peer', 'name', 'cD');
    ns.ip('link', 'set', 'cC', 'up');
    ns.ip('link', 'set', 'cD', 'up');
    expect(ns.run(() => kr.sync('up0', [remote(1)], [fip, later]))).toMatchObject({ changed: 1, pending: [] });
    expect(ns.ours().get('172.18.22.114/32')).toMatchObject({ dev: 'cC' });
    ns.ip('link', 'del', 'cC');
  });

  it('writes no remote route without an uplink, and says which routes failed and why', () => {
    const kr = new KernelRoutes(native);
    expect(ns.run(() => kr.sync(null, [remote(1)]))).toEqual({ added: 0, changed: 0, removed: 0, pending: [] });
    expect(() => ns.run(() => kr.sync('nope0', [remote(1)]))).toThrow(/uplink nope0 does not exist: 1 routes to remote pods/);

    ns.ip('link', 'add', 'up1', 'type', 'veth', 'peer', 'name', 'up1p'); // down: no way out of it
    try {
      let err: unknown;
      try {
        ns.run(() => kr.sync('up1', [remote(1), remote(2)], [{ cidr: '172.18.22.113/32', via: '10.24.2.2', dev: 'cA' }]));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KernelRouteError);
      expect((err as KernelRouteError).failures).toEqual([
        'path to node 172.16.1.1 through up1: ENETUNREACH',
        'path to node 172.16.1.2 through up1: ENETUNREACH',
      ]);
      expect((err as Error).message).toMatch(/^kernel routes not written: path to node 172\.16\.1\.1 through up1: ENETUNREACH/);
      // what could be written was
      expect([...ns.ours().keys()]).toEqual(['172.18.22.113/32']);
    } finally {
      ns.ip('link', 'del', 'up1');
    }
  });

  it('follows the uplink when it is created again under its name', () => {
    const createUplink = () => {
      ns.ip('link', 'add', 'up2', 'type', 'veth', 'peer', 'name', 'up2p');
      ns.ip('addr', 'add', '172.32.0.43/12', 'dev', 'up2');
      ns.ip('link', 'set', 'up2p', 'up'); // next hops want a carrier
      ns.ip('link', 'set', 'up2', 'up');
    };
    createUplink();
    try {
      const kr = new KernelRoutes(native);
      const desired = [remote(1, '172.32.1.1'), remote(2, '172.32.1.2')];
      expect(ns.run(() => kr.sync('up2', desired))).toMatchObject({ added: 2 });
      ns.ip('link', 'del', 'up2');
      createUplink();
      expect(ns.run(() => kr.sync('up2', desired))).toMatchObject({ added: 2, changed: 0, removed: 0 });
      expect(ns.ours().get('10.0.1.0/26')).toMatchObject({ gateway: '172.32.1.1', dev: 'up2' });
    } finally {
      ns.ip('link', 'del', 'up2');
    }
  });

  it('lists and removes every route of its protocol (unload)', () => {
    const kr = new KernelRoutes(native);
    ns.run(() => kr.sync('up0', [remote(1), remote(2)], [{ cidr: '172.18.22.113/32', via: '10.24.2.2', dev: 'cA' }]));
    ns.ip('route', 'add', '10.0.7.0/26', 'dev', 'cA', 'proto', 'static');
    try {
      expect(ns.run(() => listKernelRoutes(native)).sort()).toEqual(['10.0.1.0/26', '10.0.2.0/26', '172.18.22.113/32']);
      expect(ns.run(() => removeKernelRoutes(native))).toBe(3);
      expect(ns.ours().size).toBe(0);
      expect(ns.nexthops().size).toBe(0);
      expect(ns.ip('-j', 'route', 'show', '10.0.7.0/26')).toContain('10.0.7.0/26');
      expect(ns.run(() => removeKernelRoutes(native))).toBe(0);
    } finally {
      ns.ip('route', 'del', '10.0.7.0/26');
    }
  });

  it('writes 5,000 routes in one sync', () => {
    const kr = new KernelRoutes(native);
    const desired = Array.from({ length: 5000 }, (_, i) => ({
      cidr: `10.${1 + (i >> 10)}.${(i >> 2) & 255}.${(i & 3) * 64}/26`,
      via: `172.17.${i >> 8}.${i & 255}`,
      mtu: 1450,
    }));
    expect(ns.run(() => kr.sync('up0', desired))).toEqual({ added: 5000, changed: 0, removed: 0, pending: [] });
    expect(ns.ours().size).toBe(5000);
    expect(ns.nexthops().size).toBe(5000);
    expect(ns.run(() => new KernelRoutes(native).sync('up0', desired))).toEqual({ added: 0, changed: 0, removed: 0, pending: [] });
  });
});

/**
 * FollowedTable against the real pinned tt_routes and tt_neigh: only differences are written, the map
 * is read once and then followed through our own writes (so a change behind its back waits for
 * resync()), entries of other writers stay, and the first of two items for one key wins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteEntry, VtepEntry } from '../../src/calc/routes.js';
import { NEIGH_VTEP_IFINDEX, NudState, RouteType } from '../../src/dataplane/abi.js';
import { owns, routeEntry, vtepEntry } from '../../src/dataplane/desired-entries.js';
import { FollowedTable } from '../../src/dataplane/followed-table.js';
import { neighMap, routesMap } from '../../src/dataplane/maps/index.js';
import { loadNode, removeAllPins } from '../../src/dataplane/node.js';
import { openNodeMaps, type NodeMaps } from '../../src/dataplane/pinned-maps.js';
import { native } from '../../src/native/index.js';
import { IS_ROOT, makePinDir, SKIP_REASON, TestNetns } from './helpers.js';

const route = (cidr: string, nextHop: string): RouteEntry => ({ cidr, type: 'RemoteBlock', flags: 1, nextHop });
const vtep = (nodeIp: string, mac: string): VtepEntry => ({ node: `n-${nodeIp}`, nodeIp, mac });

describe.skipIf(!IS_ROOT)(`FollowedTable (${IS_ROOT ? 'root' : SKIP_REASON})`, () => {
  const ns = new TestNetns('tt-ft');
  const pins = makePinDir();
  let maps: NodeMaps;

  beforeAll(() => {
    ns.create([]);
    ns.run(() => loadNode(native, { pinDir: pins.path, attachMode: 'auto' }));
    maps = openNodeMaps(native, pins.path);
  });

  afterAll(() => {
    maps?.close();
    try {
      removeAllPins(native, pins.path);
    } finally {
      pins.remove();
      ns.destroy();
    }
  });

  const routesNow = () =>
    maps.routes
      .entries()
      .map(([k, v]) => `${k.addr}/${k.prefixLen} ${v.nextHop}`)
      .sort();

  it('writes only the difference, and nothing for the same or equal items', () => {
    const table = new FollowedTable(routesMap, routeEntry);
    const a = route('10.1.0.0/26', '172.16.0.1');
    const b = route('10.1.0.64/26', '172.16.0.2');
    expect(table.reconcile(native, maps.routes, [a, b], owns.all)).toEqual({ added: 2, changed: 0, removed: 0 });
    expect(table.reconcile(native, maps.routes, [a, b], owns.all)).toEqual({ added: 0, changed: 0, removed: 0 });
    expect(table.reconcile(native, maps.routes, [{ ...a }, { ...b }], owns.all)).toEqual({ added: 0, changed: 0, removed: 0 });
    expect(table.reconcile(native, maps.routes, [route('10.1.0.0/26', '172.16.0.9')], owns.all)).toEqual({ added: 0, changed: 1, removed: 1 });
    expect(routesNow()).toEqual(['10.1.0.0/26 172.16.0.9']);
  });

  it('a second table of the same map finds what is there; the first of two items for one key wins', () => {
    const table = new FollowedTable(routesMap, routeEntry);
    const first = route('10.1.0.0/26', '172.16.0.9');
    expect(table.reconcile(native, maps.routes, [first, route('10.1.0.0/26', '172.16.0.5')], owns.all)).toEqual({ added: 0, changed: 0, removed: 0 });
    expect(routesNow()).toEqual(['10.1.0.0/26 172.16.0.9']);
  });

  it('follows its own writes: a change behind its back stays until resync()', () => {
    const table = new FollowedTable(routesMap, routeEntry);
    const a = route('10.1.0.0/26', '172.16.0.9');
    table.reconcile(native, maps.routes, [a], owns.all);
    maps.routes.delete({ prefixLen: 26, addr: '10.1.0.0' });
    expect(table.reconcile(native, maps.routes, [a], owns.all)).toEqual({ added: 0, changed: 0, removed: 0 });
    expect(routesNow()).toEqual([]);
    table.resync();
    expect(table.reconcile(native, maps.routes, [a], owns.all)).toEqual({ added: 1, changed: 0, removed: 0 });
    expect(maps.routes.lookup({ prefixLen: 26, addr: '10.1.0.0' })).toEqual({ type: RouteType.RemoteBlock, flags: 1, nextHop: '172.16.0.9', ifindex: 0 });
  });

  it('never removes entries it does not own (the neighbour mirror’s, beside the VTEP MACs)', () => {
    const mirrored = { ifindex: 7, addr: '172.16.0.1' };
    maps.neigh.update(mirrored, { mac: '02:00:00:00:00:01', state: NudState.REACHABLE });
    const table = new FollowedTable(neighMap, vtepEntry);
    expect(table.reconcile(native, maps.neigh, [vtep('172.16.0.2', '66:00:00:00:00:02')], owns.vtep)).toEqual({ added: 1, changed: 0, removed: 0 });
    expect(table.reconcile(native, maps.neigh, [], owns.vtep)).toEqual({ added: 0, changed: 0, removed: 1 });
    expect(maps.neigh.lookup(mirrored)?.mac).toBe('02:00:00:00:00:01');
    expect(maps.neigh.lookup({ ifindex: NEIGH_VTEP_IFINDEX, addr: '172.16.0.2' })).toBeUndefined();
  });
});

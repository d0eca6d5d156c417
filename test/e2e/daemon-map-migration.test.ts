/**
 * Map layout migration with a real old pin: a `tt_endpoints_v0` map of an older layout (value
 * {ifindex, mac}, no flags), made with bpftool and filled, is carried into `tt_endpoints_v1` by the
 * map's migration function when the object loads; the old pin stays while the old programs may
 * still use it and is removed by loadNode once the new programs are attached.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { EpFlags, type Endpoint, type EndpointKey } from '../../src/dataplane/abi.js';
import { attachedPrograms } from '../../src/dataplane/attach.js';
import { decode, encode } from '../../src/dataplane/codec.js';
import { EpKey } from '../../src/dataplane/abi.js';
import { defaultConfig, loadObject } from '../../src/dataplane/loader.js';
import { endpointsMap, PINNED_MAPS } from '../../src/dataplane/maps/index.js';
import { loadNode, removeAllPins, unloadNode } from '../../src/dataplane/node.js';
import { objectPath } from '../../src/dataplane/object-path.js';
import { openNodeMaps } from '../../src/dataplane/pinned-maps.js';
import type { MapDef } from '../../src/dataplane/typed-map.js';
import { withNetns } from '../../src/lab/netns.js';
import { randomSuffix } from '../native/helpers.js';

/** Layout 0 of tt_endpoints' value: { __u32 ifindex; __u8 mac[6]; } (10 bytes). */
const V0_VALUE_SIZE = 10;

function v0Value(ifindex: number, mac: string): Uint8Array {
  const out = new Uint8Array(V0_VALUE_SIZE);
  new DataView(out.buffer).setUint32(0, ifindex, true);
  mac.split(':').forEach((b, i) => (out[4 + i] = parseInt(b, 16)));
  return out;
}

/** v0 -> v1: a zero MAC means "learn it" (a flag now); entries without an interface are dropped. */
const endpointsWithMigration: MapDef<EndpointKey, Endpoint> = {
  ...endpointsMap,
  migrations: [
    {
      from: 0,
      convert(key, value) {
        const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
        const ifindex = view.getUint32(0, true);
        if (ifindex === 0) return undefined;
        const mac = [...value.subarray(4, 10)].map((b) => b.toString(16).padStart(2, '0')).join(':');
        const flags = mac === '00:00:00:00:00:00' ? EpFlags.LearnMac : 0;
        return [decode(EpKey, key), { ifindex, flags, mac }];
      },
    },
  ],
};
const defs = PINNED_MAPS.map((d) => (d.name === endpointsMap.name ? endpointsWithMigration : d)) as Array<MapDef<unknown, unknown>>;

/** A pin folder holding only an old-layout tt_endpoints_v0 with three entries. */
function oldPin(pinDir: string): string {
  const mapsDir = join(pinDir, 'maps');
  mkdirSync(mapsDir, { recursive: true });
  const path = join(mapsDir, 'tt_endpoints_v0');
  execFileSync('bpftool', ['map', 'create', path, 'type', 'hash', 'key', '4', 'value', String(V0_VALUE_SIZE), 'entries', '1024', 'name', 'tt_endpoints'], { stdio: 'pipe' });
  const fd = native.objGet(path);
  try {
    const put = (ip: string, v: Uint8Array) => native.mapUpdate(fd, encode(EpKey, { addr: ip }), v, 0);
    put('10.24.1.2', v0Value(7, '02:00:0a:18:01:02'));
    put('10.24.1.3', v0Value(8, '00:00:00:00:00:00'));
    put('10.24.1.9', v0Value(0, '02:00:0a:18:01:09'));
  } finally {
    native.close(fd);
  }
  return path;
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      fn();
    } catch {
      // best effort: the next cleanups still run
    }
  }
});

function freshPinDir(): string {
  const pinDir = `/sys/fs/bpf/tortie/test-migrate-${randomSuffix()}`;
  cleanups.push(() => removeAllPins(native, pinDir));
  return pinDir;
}

const sorted = (entries: Array<[EndpointKey, Endpoint]>) => entries.sort(([a], [b]) => a.addr.localeCompare(b.addr));

describe('map layout migration', () => {
  it('the loader creates the new layout and converts the old entries before any new program runs; the old pin stays', () => {
    const pinDir = freshPinDir();
    const old = oldPin(pinDir);
    const loaded = loadObject(native, { objectPath: objectPath(), config: defaultConfig(), pinDir, maps: defs });
    try {
      expect(loaded.migrations).toEqual([{ map: 'tt_endpoints', from: 0, to: 1, oldPin: old, converted: true, copied: 2, dropped: 1 }]);
      expect(loaded.reused).toEqual([]);
      expect(existsSync(old)).toBe(true); // old programs may still be attached to it
    } finally {
      loaded.close();
    }
    const maps = openNodeMaps(native, pinDir);
    try {
      expect(sorted(maps.endpoints.entries())).toEqual([
        [{ addr: '10.24.1.2' }, { ifindex: 7, flags: 0, mac: '02:00:0a:18:01:02' }],
        [{ addr: '10.24.1.3' }, { ifindex: 8, flags: EpFlags.LearnMac, mac: '00:00:00:00:00:00' }],
      ]);
    } finally {
      maps.close();
    }
  });

  it('loadNode removes the old pin once the new programs are attached; a second load reuses the new layout and drops stale old pins', () => {
    const pinDir = freshPinDir();
    const netns = `tt-mig-${randomSuffix()}`;
    execFileSync('ip', ['netns', 'add', netns], { stdio: 'pipe' });
    cleanups.push(() => execFileSync('ip', ['netns', 'del', netns], { stdio: 'pipe' }));
    execFileSync('ip', ['-n', netns, 'link', 'add', 'calimigrate0001', 'type', 'veth', 'peer', 'name', 'pod0'], { stdio: 'pipe' });
    const old = oldPin(pinDir);
    withNetns(native, netns, () => {
      cleanups.push(() => withNetns(native, netns, () => unloadNode(native, pinDir)));
      const report = loadNode(native, { pinDir, attachMode: 'auto', mapDefs: defs });
      expect(report.migrated).toMatchObject([{ map: 'tt_endpoints', from: 0, to: 1, copied: 2 }]);
      expect(existsSync(old)).toBe(false);
      const ifindex = native.ifNameToIndex('calimigrate0001');
      expect(attachedPrograms(native, ifindex).map((p) => `${p.hook}:${p.name}`)).toEqual(['ingress:tt_from_wep', 'egress:tt_to_wep']);

      // An old pin left behind (a load that failed after migrating) goes too; the new layout is kept.
      oldPin(pinDir);
      const again = loadNode(native, { pinDir, attachMode: 'auto', mapDefs: defs });
      expect(again.migrated).toEqual([]);
      expect(again.reusedMaps).toContain('tt_endpoints');
      expect(existsSync(old)).toBe(false);
    });
    const maps = openNodeMaps(native, pinDir);
    try {
      expect(maps.endpoints.entries()).toHaveLength(2);
    } finally {
      maps.close();
    }
  });

  it('without a migration for the pinned version the new map starts empty (the daemon refills it)', () => {
    const pinDir = freshPinDir();
    oldPin(pinDir);
    const loaded = loadObject(native, { objectPath: objectPath(), config: defaultConfig(), pinDir });
    try {
      expect(loaded.migrations).toMatchObject([{ map: 'tt_endpoints', from: 0, to: 1, converted: false, copied: 0 }]);
    } finally {
      loaded.close();
    }
  });
});

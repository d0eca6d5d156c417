/**
 * Loads the BPF object: .rodata config set before load, pinned maps reused (so state survives
 * reloads and upgrades), new maps pinned. Programs come back as fds owned by the caller.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBinding, ObjectMapInfo } from '../native/binding.js';
import { MapIncompatibleError } from '../native/errors.js';
import { Config, type DataplaneConfig } from './abi.js';
import { encode } from './codec.js';
import { ensurePinLayout } from './bpffs.js';
import { PINNED_MAPS } from './maps/index.js';
import { findOldPin, migrateEntries, type MigrationReport, type OldPin } from './migrate.js';
import { pinName, type MapDef } from './typed-map.js';

export const PROGRAMS = ['tt_from_wep', 'tt_from_hep', 'tt_to_hep', 'tt_to_wep'] as const;
export type ProgramName = (typeof PROGRAMS)[number];

export interface LoadOptions {
  objectPath: string;
  config: DataplaneConfig;
  /** null: fresh unpinned maps (tests); otherwise reuse/pin under <pinDir>/maps */
  pinDir: string | null;
  /** the maps to pin (default PINNED_MAPS); tests pass defs with extra migrations */
  maps?: ReadonlyArray<MapDef<unknown, unknown>>;
}

export interface LoadedObject {
  /** program fds by name (owned: close them) */
  programs: Record<ProgramName, number>;
  /** map fds by kernel name (owned: close them) */
  maps: Record<string, number>;
  /** maps that already existed and were reused */
  reused: string[];
  /** maps created in a new layout from an older pin; remove those pins once the new programs run */
  migrations: MigrationReport[];
  /** older-layout pins left by a load that migrated but failed before removing them */
  stalePins: string[];
  close(): void;
}

export function defaultConfig(): DataplaneConfig {
  return {
    flags: 0,
    hostIp: '0.0.0.0',
    uplinkIfindex: 0,
    uplinkMtu: 1500,
    uplinkMac: '00:00:00:00:00:00',
    vtepMac: '00:00:00:00:00:00',
    vxlanVni: 4096,
    vxlanPort: 4789,
  };
}

function checkCompatible(native: NativeBinding, def: MapDef<unknown, unknown>, spec: ObjectMapInfo, path: string, fd: number): void {
  const found = native.mapInfo(fd);
  const same =
    found.type === spec.type &&
    found.keySize === spec.keySize &&
    found.valueSize === spec.valueSize &&
    found.maxEntries === spec.maxEntries;
  if (!same) {
    native.close(fd);
    throw new MapIncompatibleError(def.name, path, spec, found);
  }
}

export function loadObject(native: NativeBinding, opts: LoadOptions): LoadedObject {
  const obj = native.objectOpen(opts.objectPath);
  const maps: Record<string, number> = {};
  const programs = {} as Record<ProgramName, number>;
  const reused: string[] = [];
  const migrations: MigrationReport[] = [];
  const stalePins: string[] = [];
  const defs = opts.maps ?? PINNED_MAPS;
  const pinnedNow: string[] = [];
  try {
    native.objectSetRodata(obj, encode(Config, opts.config));
    const specs = new Map(native.objectMaps(obj).map((m) => [m.name, m]));
    const layout = opts.pinDir === null ? null : ensurePinLayout(opts.pinDir);
    const older = new Map<string, OldPin>();

    if (layout) {
      for (const def of defs) {
        const path = join(layout.maps, pinName(def));
        const spec = specs.get(def.name);
        if (!spec) throw new Error(`BPF object ${opts.objectPath} has no map ${def.name}`);
        if (!existsSync(path)) {
          const old = findOldPin(layout.maps, def);
          if (old) older.set(def.name, old);
          continue;
        }
        const leftover = findOldPin(layout.maps, def);
        if (leftover) stalePins.push(leftover.path);
        const fd = native.objGet(path);
        checkCompatible(native, def, spec, path, fd);
        native.objectReuseMap(obj, def.name, fd); // libbpf dups the fd
        native.close(fd);
        reused.push(def.name);
      }
    }

    native.objectLoad(obj);

    for (const spec of specs.values()) {
      if (!spec.internal) maps[spec.name] = native.objectMapFd(obj, spec.name);
    }
    if (layout) {
      for (const def of defs) {
        if (reused.includes(def.name)) continue;
        const path = join(layout.maps, pinName(def));
        native.objPin(maps[def.name]!, path);
        pinnedNow.push(path);
        const old = older.get(def.name);
        // Before any new program runs: it must find the old entries in the new layout.
        if (old) migrations.push(migrateEntries(native, def, old, maps[def.name]!));
      }
    }
    for (const name of PROGRAMS) programs[name] = native.objectProgramFd(obj, name);
  } catch (err) {
    for (const fd of [...Object.values(maps), ...Object.values(programs)]) native.close(fd);
    // A half-made new layout would be reused as is next time: start over then.
    for (const path of pinnedNow) if (existsSync(path)) unlinkSync(path);
    throw err;
  } finally {
    native.objectClose(obj);
  }
  return {
    programs,
    maps,
    reused,
    migrations,
    stalePins,
    close() {
      for (const fd of [...Object.values(maps), ...Object.values(programs)]) native.close(fd);
    },
  };
}

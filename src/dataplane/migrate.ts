/**
 * Map layout migrations. A layout change bumps a map's version, so a new build looks for
 * `<name>_v<new>` and finds only `<name>_v<old>` pinned by the build before it. The loader then
 * creates the new map, copies the old entries through the map's migration function before any new
 * program runs, and — once the new programs are attached (loadNode) — removes the old pin. Until
 * that moment the old programs keep using the old map, so forwarding never stops; what they write
 * in between (a learned MAC, a counter) is not carried over, and the daemon rewrites what it owns.
 */
import { existsSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBinding } from '../native/binding.js';
import { readBatches, TypedMap, type MapDef } from './typed-map.js';

export interface OldPin {
  path: string;
  version: number;
}

export interface MigrationReport {
  map: string;
  from: number;
  to: number;
  /** the old pin, removed once the new programs are attached */
  oldPin: string;
  /** false: no migration for that version; the new map started empty */
  converted: boolean;
  copied: number;
  dropped: number;
}

/** The newest pin of an older layout of `def` in `mapsDir`, if any. */
export function findOldPin(mapsDir: string, def: MapDef<unknown, unknown>): OldPin | undefined {
  if (!existsSync(mapsDir)) return undefined;
  const pattern = new RegExp(`^${def.name}_v(\\d+)$`);
  let best: OldPin | undefined;
  for (const name of readdirSync(mapsDir)) {
    const version = Number(pattern.exec(name)?.[1] ?? NaN);
    if (!(version < def.version)) continue;
    if (!best || version > best.version) best = { path: join(mapsDir, name), version };
  }
  return best;
}

/** Every entry of a map as raw bytes (hash, LRU and LPM maps; not per-CPU ones). */
function rawEntries(native: NativeBinding, fd: number): Array<[Uint8Array, Uint8Array]> {
  const { keySize, valueSize } = native.mapInfo(fd);
  const out: Array<[Uint8Array, Uint8Array]> = [];
  readBatches(native, fd, keySize, valueSize, (keys, values, count) => {
    for (let i = 0; i < count; i++) out.push([keys.slice(i * keySize, (i + 1) * keySize), values.slice(i * valueSize, (i + 1) * valueSize)]);
  });
  return out;
}

/** Copies the old pin's entries into the freshly created map `newFd` (not taken over: still the caller's). */
export function migrateEntries<K, V>(native: NativeBinding, def: MapDef<K, V>, old: OldPin, newFd: number): MigrationReport {
  const report: MigrationReport = { map: def.name, from: old.version, to: def.version, oldPin: old.path, converted: false, copied: 0, dropped: 0 };
  const migration = def.migrations?.find((m) => m.from === old.version);
  if (!migration) return report;
  if (def.perCpu) throw new Error(`map ${def.name}: migrating per-CPU maps is not supported`);
  const oldFd = native.objGet(old.path);
  let converted: Array<readonly [K, V]>;
  try {
    converted = [];
    for (const [key, value] of rawEntries(native, oldFd)) {
      const entry = migration.convert(key, value);
      if (entry) converted.push(entry);
      else report.dropped++;
    }
  } finally {
    native.close(oldFd);
  }
  // A TypedMap over a borrowed fd: never closed here.
  new TypedMap(def, newFd, native).updateMany(converted);
  report.converted = true;
  report.copied = converted.length;
  return report;
}

/** After the new programs are attached nothing uses the old maps: their pins go (the maps with them). */
export function removeOldPins(paths: readonly string[]): string[] {
  const removed: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    unlinkSync(path);
    removed.push(path);
  }
  return removed;
}

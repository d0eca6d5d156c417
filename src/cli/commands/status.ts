/** `tortie status`: is the dataplane loaded, what is attached where, how full the maps are. */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { attachedPrograms } from '../../dataplane/attach.js';
import { listPins, pinLayout } from '../../dataplane/bpffs.js';
import { PINNED_MAPS } from '../../dataplane/maps/index.js';
import { openNodeMaps } from '../../dataplane/pinned-maps.js';
import { pinName } from '../../dataplane/typed-map.js';
import type { NativeBinding } from '../../native/binding.js';
import { defaultPinDir, type CliDeps } from '../context.js';
import { outputFormat, printJson, printTable } from '../output.js';
import { counterRows, flagNames } from './bpf.js';
import { IfFlags } from '../../dataplane/abi.js';
import { countKernelNexthops, listKernelRoutes, TORTIE_ROUTE_PROTO } from '../../dataplane/kernel-routes.js';

const statusOptions = z.object({ pinDir: z.string(), output: outputFormat });

export interface Status {
  pinDir: string;
  loaded: boolean;
  programs: Array<{ name: string; id: number; tag: string }>;
  maps: Array<{ name: string; id: number; pin: string; entries: number; capacity: number }>;
  interfaces: Array<{ ifindex: number; name: string; flags: string[]; present: boolean; programs: string[] }>;
  packets: { total: number; dropped: number };
  /** Tortie's kernel routes (proto 116) and the next hop objects they go through, in this netns */
  kernel: { routes: number; nexthops: number };
}

function countEntries(native: NativeBinding, fd: number, keySize: number): number {
  let n = 0;
  for (let k = native.mapNextKey(fd, null, keySize); k; k = native.mapNextKey(fd, k, keySize)) n++;
  return n;
}

export function readStatus(native: NativeBinding, pinDir: string): Status {
  const layout = pinLayout(pinDir);
  const loaded = PINNED_MAPS.every((def) => existsSync(join(layout.maps, pinName(def))));
  const status: Status = {
    pinDir,
    loaded,
    programs: [],
    maps: [],
    interfaces: [],
    packets: { total: 0, dropped: 0 },
    kernel: { routes: 0, nexthops: 0 },
  };
  if (!loaded) return status;

  for (const name of listPins(layout.progs)) {
    const fd = native.objGet(join(layout.progs, name));
    const info = native.progInfo(fd);
    native.close(fd);
    status.programs.push({ name: info.name, id: info.id, tag: info.tag });
  }
  for (const def of PINNED_MAPS) {
    const pin = join(layout.maps, pinName(def));
    const fd = native.objGet(pin);
    const info = native.mapInfo(fd);
    // per-CPU arrays always hold max_entries slots
    const entries = 'perCpu' in def && def.perCpu ? info.maxEntries : countEntries(native, fd, info.keySize);
    native.close(fd);
    status.maps.push({ name: def.name, id: info.id, pin, entries, capacity: info.maxEntries });
  }
  const maps = openNodeMaps(native, pinDir);
  try {
    for (const [ifindex, st] of maps.ifstate.entries().sort(([a], [b]) => a - b)) {
      const present = native.ifIndexToName(ifindex) === st.name;
      const programs = present ? attachedPrograms(native, ifindex).map((p) => `${p.hook}:${p.name}(${p.mode} id ${p.progId})`) : [];
      status.interfaces.push({ ifindex, name: st.name, flags: flagNames(st.flags, IfFlags), present, programs });
    }
    const rows = counterRows(maps);
    status.packets.total = rows.filter((r) => r.category !== 'Nat').reduce((a, r) => a + r.count, 0);
    status.packets.dropped = rows.filter((r) => r.category === 'Dropped').reduce((a, r) => a + r.count, 0);
  } finally {
    maps.close();
  }
  status.kernel = { routes: listKernelRoutes(native).length, nexthops: countKernelNexthops(native) };
  return status;
}

export function statusCommand(deps: CliDeps): Command {
  return new Command('status')
    .description('show whether the dataplane is loaded, its programs, maps and interfaces')
    .option('--pin-dir <dir>', 'bpffs folder for pins', defaultPinDir())
    .option('-o, --output <format>', 'text | json', 'text')
    .action((raw) => {
      const opts = statusOptions.parse(raw);
      const st = readStatus(deps.native(), opts.pinDir);
      if (opts.output === 'json') return printJson(deps.out, st);
      if (!st.loaded) return deps.out(`not loaded (nothing pinned under ${st.pinDir})`);
      deps.out(`loaded: pins under ${st.pinDir}`);
      deps.out(`programs: ${st.programs.map((p) => `${p.name} (id ${p.id}, tag ${p.tag})`).join(', ')}`);
      deps.out('');
      printTable(deps.out, ['MAP', 'ENTRIES', 'CAPACITY'], st.maps.map((m) => [m.name, m.entries, m.capacity]));
      deps.out('');
      printTable(
        deps.out,
        ['IFINDEX', 'INTERFACE', 'ROLE', 'PROGRAMS'],
        st.interfaces.map((i) => [i.ifindex, i.name, i.flags.join(','), i.present ? i.programs.join(' ') || '(none!)' : '(gone)']),
      );
      deps.out('');
      deps.out(`packets: ${st.packets.total} seen, ${st.packets.dropped} dropped`);
      deps.out(`kernel: ${st.kernel.routes} route(s) of proto ${TORTIE_ROUTE_PROTO}, through ${st.kernel.nexthops} next hop(s) to other nodes`);
    });
}

/**
 * One node's dataplane lifecycle: load (idempotent, hitless when repeated), attach a workload
 * interface, unload (leaves nothing of Tortie in the kernel).
 */
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBinding } from '../native/binding.js';
import { IfFlags, type DataplaneConfig } from './abi.js';
import {
  attachPrograms,
  removeAllLinkPins,
  removeTcFilter,
  removeTcxLink,
  throwIfAttachFailed,
  type AttachMode,
  type AttachModeOption,
  type AttachRequest,
  type Hook,
} from './attach.js';
import { ensureBpffs, ensurePinLayout, listPins, pinLayout, removeEmptyDirs, type PinLayout } from './bpffs.js';
import { ipv4AddressesOf, isWorkloadInterface, linkInfoOf, listInterfaces } from './interfaces.js';
import { derivedVtepMac } from '../model/node.js';
import { mirrorNeighbours } from './neighbours.js';
import { defaultConfig, loadObject, PROGRAMS, type ProgramName } from './loader.js';
import { ifstateMap } from './maps/index.js';
import { objectPath } from './object-path.js';
import { tryRun } from '../util/exec.js';
import { removeKernelRoutes } from './kernel-routes.js';
import { removeNatOutgoing } from './nat-outgoing.js';
import { removeOldPins, type MigrationReport } from './migrate.js';
import { withExpeditedRcu } from './rcu.js';
import { mapPinPath, openNodeMaps, type NodeMaps } from './pinned-maps.js';
import type { MapDef } from './typed-map.js';

export interface LoadNodeOptions {
  pinDir: string;
  uplink?: string;
  attachMode: AttachModeOption;
  objectPath?: string;
  /** Calico node name: derives the VXLAN tunnel MAC when vtepMac is not given */
  nodeName?: string;
  vtepMac?: string;
  /** defaults: the uplink's first IPv4 address; VNI 4096, port 4789 (Calico's) */
  hostIp?: string;
  vxlanVni?: number;
  vxlanPort?: number;
  /** the maps to pin (default PINNED_MAPS): tests pass defs with extra migrations */
  mapDefs?: ReadonlyArray<MapDef<unknown, unknown>>;
  /** expedited RCU grace periods while attaching (rcu.ts): default true */
  expediteRcu?: boolean;
}

export interface AttachedIface {
  ifname: string;
  ifindex: number;
  program: ProgramName;
  hook: Hook;
  mode: AttachMode;
  replaced: boolean;
}

export interface LoadReport {
  pinDir: string;
  reusedMaps: string[];
  attached: AttachedIface[];
  pruned: string[];
  /** maps carried over from an older layout (their old pins are gone once this returns) */
  migrated: MigrationReport[];
  config: DataplaneConfig;
}

/** A workload interface carries tt_from_wep (the pod's traffic) and tt_to_wep (the kernel's, to the pod). */
const WORKLOAD_HOOKS: ReadonlyArray<readonly [ProgramName, Hook]> = [
  ['tt_from_wep', 'ingress'],
  ['tt_to_wep', 'egress'],
];

function nodeConfig(native: NativeBinding, opts: LoadNodeOptions): DataplaneConfig {
  const config = defaultConfig();
  if (opts.vxlanVni !== undefined) config.vxlanVni = opts.vxlanVni;
  if (opts.vxlanPort !== undefined) config.vxlanPort = opts.vxlanPort;
  if (opts.vtepMac) config.vtepMac = opts.vtepMac;
  else if (opts.nodeName) config.vtepMac = derivedVtepMac(opts.nodeName);
  if (opts.uplink) {
    const ifindex = native.ifNameToIndex(opts.uplink);
    if (ifindex === 0) throw new Error(`uplink interface ${opts.uplink} does not exist in this network namespace`);
    const link = linkInfoOf(opts.uplink);
    config.uplinkIfindex = ifindex;
    config.uplinkMac = link.mac;
    config.uplinkMtu = link.mtu;
    config.hostIp = ipv4AddressesOf(opts.uplink)[0]?.address ?? '0.0.0.0';
  }
  if (opts.hostIp) config.hostIp = opts.hostIp;
  return config;
}

function pinProgram(native: NativeBinding, layout: PinLayout, name: ProgramName, fd: number): void {
  const path = join(layout.progs, name);
  if (existsSync(path)) unlinkSync(path);
  native.objPin(fd, path);
}

function recordIface(maps: NodeMaps, ifindex: number, ifname: string, role: number, mode: AttachMode): void {
  maps.ifstate.update(ifindex, { flags: role | (mode === 'tcx' ? IfFlags.Tcx : IfFlags.Tc), name: ifname });
}

export function loadNode(native: NativeBinding, opts: LoadNodeOptions): LoadReport {
  ensureBpffs();
  const layout = ensurePinLayout(opts.pinDir);
  const config = nodeConfig(native, opts);
  const loaded = loadObject(native, { objectPath: opts.objectPath ?? objectPath(), config, pinDir: opts.pinDir, maps: opts.mapDefs });
  const maps = openNodeMaps(native, opts.pinDir);
  try {
    for (const name of PROGRAMS) pinProgram(native, layout, name, loaded.programs[name]);
    const hooks: HookPlan[] = [];
    for (const iface of listInterfaces(native)) {
      if (!isWorkloadInterface(iface.name)) continue;
      for (const [program, hook] of WORKLOAD_HOOKS) {
        hooks.push({ ifname: iface.name, ifindex: iface.ifindex, program, hook, role: IfFlags.Workload });
      }
    }
    if (opts.uplink) {
      const uplink = { ifname: opts.uplink, ifindex: config.uplinkIfindex, role: IfFlags.Uplink };
      hooks.push({ ...uplink, program: 'tt_from_hep', hook: 'ingress' }, { ...uplink, program: 'tt_to_hep', hook: 'egress' });
    }
    const attached = attachAll(native, layout, maps, hooks, (p) => loaded.programs[p], opts);
    if (opts.uplink) mirrorNeighbours(native, maps, config.uplinkIfindex);
    const pruned = pruneIfstate(native, layout, maps, new Set(attached.map((a) => a.ifindex)));
    // Every hook runs the new programs now: nothing uses the old layouts any more.
    removeOldPins([...loaded.migrations.map((m) => m.oldPin), ...loaded.stalePins]);
    return { pinDir: opts.pinDir, reusedMaps: loaded.reused, attached, pruned, migrated: loaded.migrations, config };
  } finally {
    maps.close();
    loaded.close();
  }
}

/** One hook to attach: which program, and the interface's role in ifstate. */
interface HookPlan {
  ifname: string;
  ifindex: number;
  program: ProgramName;
  hook: Hook;
  role: number;
}

/**
 * Attaches every planned hook in one batch and records the attached interfaces in ifstate. A hook
 * that fails does not stop the others; the failures are thrown after the rest is recorded.
 */
function attachAll(
  native: NativeBinding,
  layout: PinLayout,
  maps: NodeMaps,
  hooks: readonly HookPlan[],
  progFd: (program: ProgramName) => number,
  opts: { attachMode: AttachModeOption; expediteRcu?: boolean },
): AttachedIface[] {
  const requests: AttachRequest[] = hooks.map((h) => ({ ifindex: h.ifindex, ifname: h.ifname, hook: h.hook, progFd: progFd(h.program) }));
  const outcomes = attachPrograms(native, layout, requests, opts.attachMode, { expediteRcu: opts.expediteRcu });
  const attached: AttachedIface[] = [];
  outcomes.forEach((res, i) => {
    if (!res.ok) return;
    const { ifname, ifindex, program, hook, role } = hooks[i]!;
    recordIface(maps, ifindex, ifname, role, res.mode);
    attached.push({ ifname, ifindex, program, hook, mode: res.mode, replaced: res.replaced });
  });
  throwIfAttachFailed(outcomes);
  return attached;
}

/** Forgets interfaces that are gone or no longer ours to manage, detaching what is left of them. */
function pruneIfstate(native: NativeBinding, layout: PinLayout, maps: NodeMaps, keep: Set<number>): string[] {
  const gone = maps.ifstate.entries().filter(([ifindex]) => !keep.has(ifindex));
  if (gone.length === 0) return [];
  return withExpeditedRcu(() =>
    gone.map(([ifindex, state]) => {
      detachIface(native, layout, ifindex, state.name);
      maps.ifstate.delete(ifindex);
      return state.name;
    }),
  );
}

function detachIface(native: NativeBinding, layout: PinLayout, ifindex: number, ifname: string): void {
  const stillThere = native.ifIndexToName(ifindex) === ifname;
  for (const hook of ['ingress', 'egress'] as const) {
    const target = { ifindex, ifname, hook };
    if (stillThere) removeTcFilter(native, target);
    removeTcxLink(native, layout, target);
  }
  if (stillThere) removeClsactIfEmpty(ifname);
}

/** We may have created the clsact qdisc; drop it when no filter of anyone is left on it. */
function removeClsactIfEmpty(ifname: string): void {
  const qdiscs = tryRun(['tc', '-j', 'qdisc', 'show', 'dev', ifname]);
  if (!qdiscs.ok || !(JSON.parse(qdiscs.stdout || '[]') as Array<{ kind: string }>).some((q) => q.kind === 'clsact')) return;
  for (const hook of ['ingress', 'egress']) {
    const filters = tryRun(['tc', '-j', 'filter', 'show', 'dev', ifname, hook]);
    if (!filters.ok || (JSON.parse(filters.stdout || '[]') as unknown[]).length > 0) return;
  }
  tryRun(['tc', 'qdisc', 'del', 'dev', ifname, 'clsact']);
}

/** Attaches the workload programs to one interface, using the pinned programs of the last load. */
export function attachWorkload(
  native: NativeBinding,
  pinDir: string,
  ifname: string,
  mode: AttachModeOption,
  opts: { expediteRcu?: boolean } = {},
): AttachedIface[] {
  const layout = pinLayout(pinDir);
  const ifindex = native.ifNameToIndex(ifname);
  if (ifindex === 0) throw new Error(`interface ${ifname} does not exist in this network namespace`);
  const maps = openNodeMaps(native, pinDir);
  const progFds = new Map<ProgramName, number>();
  try {
    for (const [program] of WORKLOAD_HOOKS) progFds.set(program, native.objGet(join(layout.progs, program)));
    const hooks = WORKLOAD_HOOKS.map(([program, hook]) => ({ ifname, ifindex, program, hook, role: IfFlags.Workload }));
    return attachAll(native, layout, maps, hooks, (p) => progFds.get(p)!, { attachMode: mode, expediteRcu: opts.expediteRcu });
  } finally {
    for (const fd of progFds.values()) native.close(fd);
    maps.close();
  }
}

export interface UnloadReport {
  detached: string[];
  unpinned: string[];
  /** kernel routes to remote pod CIDRs that Tortie had installed */
  kernelRoutes: number;
}

export function unloadNode(native: NativeBinding, pinDir: string): UnloadReport {
  // Each tcx link detached waits for an RCU grace period: expedite them (rcu.ts).
  return withExpeditedRcu(() => {
    const layout = pinLayout(pinDir);
    const detached: string[] = [];
    if (existsSync(mapPinPath(pinDir, ifstateMap))) {
      const maps = openNodeMaps(native, pinDir);
      try {
        for (const [ifindex, state] of maps.ifstate.entries()) {
          detachIface(native, layout, ifindex, state.name);
          detached.push(state.name);
        }
      } finally {
        maps.close();
      }
    }
    const kernelRoutes = removeKernelRoutes(native);
    removeNatOutgoing();
    return { detached, unpinned: removeAllPins(native, pinDir), kernelRoutes };
  });
}

/** Removes every pin under pinDir (links are detached first) and the folders. */
export function removeAllPins(native: NativeBinding, pinDir: string): string[] {
  const layout = pinLayout(pinDir);
  const unpinned = removeAllLinkPins(native, layout);
  for (const dir of [layout.progs, layout.maps]) {
    for (const name of listPins(dir)) {
      unlinkSync(join(dir, name));
      unpinned.push(name);
    }
  }
  removeEmptyDirs(pinDir);
  return unpinned;
}

/** The uplink recorded in ifstate by the last load, if any. */
export function uplinkOf(maps: NodeMaps): { ifindex: number; name: string } | undefined {
  const entry = maps.ifstate.entries().find(([, st]) => (st.flags & IfFlags.Uplink) !== 0);
  return entry ? { ifindex: entry[0], name: entry[1].name } : undefined;
}

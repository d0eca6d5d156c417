/**
 * The only loader of the native addon (build/Release/tortie_native.node). Every function is wrapped:
 * arguments are value-checked (validate.ts) and thrown native errors become typed (errors.ts).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeBinding, NexthopOp, RouteOp, TestRunInput } from './binding.js';
import { fromNative } from './errors.js';
import * as v from './validate.js';

export type * from './binding.js';

/** sizeof(struct ethhdr): the kernel refuses shorter packets for tc programs. */
const ETH_HLEN = 14;
const TC_PRIORITY_MAX = 0xffff;
const IFINDEX_MAX = 0x7fff_ffff;
const ROUTE_PROTO_MAX = 255;

/** Value checks per function, run before the call. Keys double as the list of functions to wrap. */
const CHECKS: { [K in keyof NativeBinding]: (...args: Parameters<NativeBinding[K]>) => void } = {
  objectOpen: (path) => v.nonEmptyString('path', path),
  objectMaps: () => {},
  objectPrograms: () => {},
  objectSetRodata: (_obj, data) => v.bytes('data', data),
  objectReuseMap: (_obj, mapName, fd) => {
    v.nonEmptyString('mapName', mapName);
    v.fd('fd', fd);
  },
  objectLoad: () => {},
  objectMapFd: (_obj, mapName) => v.nonEmptyString('mapName', mapName),
  objectProgramFd: (_obj, progName) => v.nonEmptyString('progName', progName),
  objectClose: () => {},

  close: (fd) => v.fd('fd', fd),
  objPin: (fd, path) => {
    v.fd('fd', fd);
    v.pinPath('path', path);
  },
  objGet: (path) => v.nonEmptyString('path', path),
  mapInfo: (fd) => v.fd('fd', fd),
  progInfo: (fd) => v.fd('fd', fd),
  linkInfo: (fd) => v.fd('fd', fd),
  progFdById: (id) => v.positiveU32('id', id),
  possibleCpus: () => {},

  mapLookup: (fd, key, value) => {
    v.fd('fd', fd);
    v.bytes('key', key);
    v.bytes('value', value);
  },
  mapUpdate: (fd, key, value, flags) => {
    v.fd('fd', fd);
    v.bytes('key', key);
    v.bytes('value', value);
    v.u32('flags', flags);
  },
  mapDelete: (fd, key) => {
    v.fd('fd', fd);
    v.bytes('key', key);
  },
  mapNextKey: (fd, key, keySize) => {
    v.fd('fd', fd);
    v.positiveU32('keySize', keySize);
    if (key !== null && !(key instanceof Uint8Array && key.length === keySize)) {
      throw v.invalid('key', `null or Uint8Array of keySize (${keySize}) bytes`, key);
    }
  },
  mapLookupBatch: (fd, from, keys, values, count) => {
    v.fd('fd', fd);
    v.bytesOrNull('from', from);
    v.positiveU32('count', count);
    v.packed('keys', keys, count);
    v.packed('values', values, count);
  },
  mapUpdateBatch: (fd, keys, values, count, elemFlags) => {
    v.fd('fd', fd);
    v.positiveU32('count', count);
    v.packed('keys', keys, count);
    v.packed('values', values, count);
    v.u32('elemFlags', elemFlags);
  },
  mapDeleteBatch: (fd, keys, count) => {
    v.fd('fd', fd);
    v.positiveU32('count', count);
    v.packed('keys', keys, count);
  },

  tcxAttach: (progFd, ifindex, attachType) => {
    v.fd('progFd', progFd);
    v.ifindex('ifindex', ifindex);
    v.u32('attachType', attachType);
  },
  linkUpdate: (linkFd, progFd) => {
    v.fd('linkFd', linkFd);
    v.fd('progFd', progFd);
  },
  linkDetach: (linkFd) => v.fd('linkFd', linkFd),
  tcAttach: (ifindex, ingress, progFd, handle, priority, replace) => {
    v.ifindex('ifindex', ifindex);
    v.bool('ingress', ingress);
    v.fd('progFd', progFd);
    v.u32('handle', handle);
    v.intInRange('priority', priority, 0, TC_PRIORITY_MAX);
    v.bool('replace', replace);
  },
  // libbpf answers EINVAL for handle or priority 0 here, which the addon reads as "no filter".
  tcDetach: (ifindex, ingress, handle, priority) => checkTcFilter(ifindex, ingress, handle, priority),
  tcQuery: (ifindex, ingress, handle, priority) => checkTcFilter(ifindex, ingress, handle, priority),
  progQuery: (ifindex, attachType) => {
    v.ifindex('ifindex', ifindex);
    v.u32('attachType', attachType);
  },

  progTestRun: (progFd, input) => {
    v.fd('progFd', progFd);
    checkTestRunInput(input);
  },

  netnsOpen: (path) => v.nonEmptyString('path', path),
  netnsSet: (fd) => v.fd('fd', fd),
  ifNameToIndex: (name) => v.nonEmptyString('name', name),
  ifIndexToName: (ifindex) => v.u32('ifindex', ifindex),

  neighList: (ifindex) => v.intInRange('ifindex', ifindex, 0, IFINDEX_MAX),
  neighWatch: (callback) => v.func('callback', callback),
  linkWatch: (callback) => v.func('callback', callback),

  routeWrite: (ops) => {
    v.array('ops', ops);
    ops.forEach((op, i) => checkRouteOp(`ops[${i}]`, op));
  },
  routeDump: (protocol) => v.intInRange('protocol', protocol, 1, ROUTE_PROTO_MAX),
  nexthopWrite: (ops) => {
    v.array('ops', ops);
    ops.forEach((op, i) => checkNexthopOp(`ops[${i}]`, op));
  },
  nexthopDump: () => undefined,
  routeLookup: (oif, dsts) => {
    v.ifindex('oif', oif);
    v.array('dsts', dsts);
    dsts.forEach((dst, i) => v.ipv4(`dsts[${i}]`, dst));
  },

  btfStruct: (objPath, structName) => {
    v.nonEmptyString('objPath', objPath);
    v.nonEmptyString('structName', structName);
  },
};

/**
 * Argument adapters, run after the checks: errors handed to callbacks become typed too. Callbacks
 * are never wrapped in a try: what they throw must reach 'uncaughtException' as is.
 */
const ADAPT: { [K in keyof NativeBinding]?: (...args: Parameters<NativeBinding[K]>) => Parameters<NativeBinding[K]> } = {
  neighWatch: (callback) => [(events, info) => callback(events, info.error ? { ...info, error: fromNative(info.error) } : info)],
  linkWatch: (callback) => [(events, info) => callback(events, info.error ? { ...info, error: fromNative(info.error) } : info)],
};

function checkTcFilter(ifindex: number, ingress: boolean, handle: number, priority: number): void {
  v.ifindex('ifindex', ifindex);
  v.bool('ingress', ingress);
  v.positiveU32('handle', handle);
  v.intInRange('priority', priority, 1, TC_PRIORITY_MAX);
}

function checkRouteOp(name: string, op: RouteOp): void {
  v.object(name, op);
  if (op.op !== 'replace' && op.op !== 'delete') throw v.invalid(`${name}.op`, "'replace' or 'delete'", op.op);
  v.ipv4(`${name}.dst`, op.dst);
  v.intInRange(`${name}.prefixLen`, op.prefixLen, 0, 32);
  if (op.gateway !== undefined) v.ipv4(`${name}.gateway`, op.gateway);
  if (op.ifindex !== undefined) v.ifindex(`${name}.ifindex`, op.ifindex);
  if (op.onlink !== undefined) v.bool(`${name}.onlink`, op.onlink);
  if (op.mtu !== undefined) v.positiveU32(`${name}.mtu`, op.mtu);
  v.intInRange(`${name}.protocol`, op.protocol, 1, ROUTE_PROTO_MAX);
  if (op.nhid !== undefined) v.positiveU32(`${name}.nhid`, op.nhid);
}

function checkNexthopOp(name: string, op: NexthopOp): void {
  v.object(name, op);
  if (op.op !== 'add' && op.op !== 'replace' && op.op !== 'delete') throw v.invalid(`${name}.op`, "'add', 'replace' or 'delete'", op.op);
  v.positiveU32(`${name}.id`, op.id);
  if (op.gateway !== undefined) v.ipv4(`${name}.gateway`, op.gateway);
  if (op.onlink !== undefined) v.bool(`${name}.onlink`, op.onlink);
  if (op.op === 'delete') return;
  v.ifindex(`${name}.ifindex`, op.ifindex);
  v.intInRange(`${name}.protocol`, op.protocol, 1, ROUTE_PROTO_MAX);
}

function checkTestRunInput(input: TestRunInput): void {
  v.object('input', input);
  v.bytes('input.data', input.data, ETH_HLEN);
  v.intInRange('input.dataOutSize', input.dataOutSize, input.data.length, 0x7fff_ffff);
  if (input.ctx !== undefined) v.bytes('input.ctx', input.ctx);
  if (input.repeat !== undefined) v.u32('input.repeat', input.repeat);
}

const FUNCTIONS = Object.keys(CHECKS) as Array<keyof NativeBinding>;

/**
 * Wraps a raw binding (the addon, or a fake in tests): value checks first, then the call, with
 * native errors turned into typed ones.
 */
export function wrapNative(raw: NativeBinding): NativeBinding {
  const wrapped: Record<string, unknown> = {};
  for (const name of FUNCTIONS) {
    const fn = raw[name] as (...args: unknown[]) => unknown;
    if (typeof fn !== 'function') {
      throw new Error(`the native addon has no function ${name}: rebuild it with \`npm run build:native\``);
    }
    const check = CHECKS[name] as (...args: unknown[]) => void;
    const adapt = ADAPT[name] as ((...args: unknown[]) => unknown[]) | undefined;
    wrapped[name] = (...args: unknown[]) => {
      check(...args);
      const callArgs = adapt ? adapt(...args) : args;
      try {
        return fn.apply(raw, callArgs);
      } catch (e) {
        throw fromNative(e);
      }
    };
  }
  return wrapped as unknown as NativeBinding;
}

/** The package root: the nearest folder with a package.json above this file (src/native or dist/src/native). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function defaultAddonPath(): string {
  return join(packageRoot(), 'build', 'Release', 'tortie_native.node');
}

/** Loads the addon from `path` (default: the package's build/Release) and wraps it. */
export function loadNative(path: string = defaultAddonPath()): NativeBinding {
  if (!existsSync(path)) {
    throw new Error(
      `Tortie's native addon is not built: ${path} does not exist. ` +
        'Run `npm run build:native` (needs a C++ compiler, libbpf-dev, libelf-dev and zlib).',
    );
  }
  const require = createRequire(join(packageRoot(), 'package.json'));
  let raw: NativeBinding;
  try {
    raw = require(path) as NativeBinding;
  } catch (e) {
    throw new Error(
      `cannot load Tortie's native addon ${path}: ${e instanceof Error ? e.message : String(e)}. ` +
        'Rebuild it with `npm run build:native`.',
      { cause: e },
    );
  }
  return wrapNative(raw);
}

let loaded: NativeBinding | undefined;

function binding(): NativeBinding {
  return (loaded ??= loadNative());
}

/**
 * The addon, loaded on first use (so importing this module never fails on a machine without the
 * build; the first call does, with instructions).
 */
export const native: NativeBinding = Object.fromEntries(
  FUNCTIONS.map((name) => [name, (...args: unknown[]) => (binding()[name] as (...a: unknown[]) => unknown)(...args)]),
) as unknown as NativeBinding;

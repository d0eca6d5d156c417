/**
 * Typed errors for the native layer. The addon throws plain Errors carrying { op, errno, code, log? }
 * (see binding.ts); `fromNative` is the only place that turns them into the classes below.
 */

import { getSystemErrorName } from 'node:util';

/** Errno names as the addon reports them (524 is the kernel-internal ENOTSUPP). */
const ENOENT = 2;
const EINVAL = 22;

/** Map element operations: ENOENT / EEXIST / E2BIG there are about keys and capacity. */
const MAP_OPS = new Set([
  'bpf_map_lookup_elem',
  'bpf_map_update_elem',
  'bpf_map_delete_elem',
  'bpf_map_get_next_key',
  'bpf_map_lookup_batch',
  'bpf_map_update_batch',
  'bpf_map_delete_batch',
]);
const MAP_WRITE_OPS = new Set(['bpf_map_update_elem', 'bpf_map_update_batch']);
/** Operations whose failure is explained by libbpf's output (captured as `log`). */
const LOG_OPS = new Set(['bpf_object__open_file', 'bpf_object__load']);

const PERMISSION_HINT = 'needs root or CAP_BPF+CAP_NET_ADMIN; check RLIMIT_MEMLOCK';

/** A failed libbpf call or syscall: `op` is its name, `errno` positive, `code` the errno name ('EEXIST'). */
export class BpfError extends Error {
  override name = 'BpfError';
  /** libbpf's output for failed opens and loads (the verifier log, for a rejected program) */
  readonly log?: readonly string[];

  constructor(
    readonly op: string,
    readonly errno: number,
    readonly code: string,
    message = `${op}: ${code}`,
    options?: ErrorOptions & { log?: readonly string[] },
  ) {
    super(message, options);
    if (options?.log) this.log = options.log;
  }
}

/** ENOENT from a map operation that must find the key (e.g. update with BPF_EXIST, batch delete). */
export class KeyNotFoundError extends BpfError {
  override name = 'KeyNotFoundError';
}

/** EEXIST from a map update with BPF_NOEXIST. */
export class KeyExistsError extends BpfError {
  override name = 'KeyExistsError';
}

/** E2BIG from a map update: the map is at max_entries. */
export class MapFullError extends BpfError {
  override name = 'MapFullError';
}

/** The running kernel lacks something: EOPNOTSUPP/ENOTSUPP, or EINVAL from a call marked as a feature probe. */
export class NotSupportedError extends BpfError {
  override name = 'NotSupportedError';
  readonly hint: string;

  constructor(
    readonly feature: string,
    op: string,
    errno: number,
    code: string,
    message?: string,
    options?: ErrorOptions & { log?: readonly string[] },
  ) {
    super(op, errno, code, message, options);
    this.hint = `the running kernel does not support ${feature}`;
  }
}

/** EPERM/EACCES outside the verifier: missing privileges or locked-memory limit. */
export class PermissionError extends BpfError {
  override name = 'PermissionError';
  readonly hint = PERMISSION_HINT;
}

/** The verifier rejected a program. `log` holds libbpf's output, the verifier log included. */
export class VerifierError extends BpfError {
  override name = 'VerifierError';
  declare readonly log: readonly string[];
  /** the rejected program, when libbpf named it */
  readonly program?: string;

  constructor(op: string, errno: number, code: string, log: readonly string[], options?: ErrorOptions) {
    const program = rejectedProgram(log);
    const tail = verifierTail(log);
    const what = program ? ` program ${program} rejected by the verifier` : ' rejected by the verifier';
    const message = `${op}: ${code} (errno ${errno}):${what}${tail.length ? `: ${tail.join('; ')}` : ''}`;
    super(op, errno, code, message, { ...options, log });
    if (program) this.program = program;
  }
}

/** The shape of a map that matters for reusing a pinned one. */
export interface MapShape {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

/** A pinned map can't be reused: its type or sizes differ from what the BPF object declares. */
export class MapIncompatibleError extends BpfError {
  override name = 'MapIncompatibleError';

  constructor(
    readonly mapName: string,
    readonly path: string,
    readonly expected: MapShape,
    readonly found: MapShape,
  ) {
    const fields = (['type', 'keySize', 'valueSize', 'maxEntries'] as const).filter((f) => expected[f] !== found[f]);
    const diff = fields.map((f) => `${f} ${found[f]} (expected ${expected[f]})`).join(', ');
    super(
      'bpf_map__reuse_fd',
      EINVAL,
      'EINVAL',
      `pinned map ${mapName} at ${path} is incompatible with the BPF object: ${diff || 'shape differs'}; ` +
        'remove the pin (tortie unload) or bump the map version',
    );
  }
}

/** What the addon attaches to the Errors it throws. */
interface RawNativeError extends Error {
  op: string;
  errno: number;
  code: string;
  log?: string[];
}

function isRawNativeError(e: unknown): e is RawNativeError {
  if (!(e instanceof Error)) return false;
  const r = e as Partial<RawNativeError>;
  return typeof r.op === 'string' && typeof r.errno === 'number' && typeof r.code === 'string';
}

/** A positive errno's name ('ENETUNREACH'), for errnos returned rather than thrown (routeWrite); 'E<n>' when unknown. */
export function errnoCode(errno: number): string {
  if (errno === 524) return 'ENOTSUPP';
  try {
    const name = getSystemErrorName(-errno);
    return /^E[A-Z0-9]+$/.test(name) ? name : `E${errno}`;
  } catch {
    return `E${errno}`;
  }
}

/** Marks a call as a feature probe: EINVAL (and E2BIG for unknown attr fields) then means "not supported". */
export interface FeatureProbe {
  feature: string;
}

/**
 * Turns an error thrown by the addon into its typed class; anything else (argument TypeErrors,
 * errors already converted) is returned as is. With `probe`, EINVAL/E2BIG become NotSupportedError.
 */
export function fromNative(e: unknown, probe?: FeatureProbe): Error {
  if (e instanceof BpfError) {
    const already = e instanceof NotSupportedError && e.feature === probe?.feature;
    return probe && !already && isProbeMiss(e.code)
      ? new NotSupportedError(probe.feature, e.op, e.errno, e.code, e.message, { cause: e, ...(e.log ? { log: e.log } : {}) })
      : e;
  }
  if (!isRawNativeError(e)) return e instanceof Error ? e : new Error(String(e));

  const { op, errno, code } = e;
  const log = Array.isArray(e.log) ? e.log.map(String) : undefined;
  const opts = { cause: e, ...(log ? { log } : {}) };
  let message = e.message;
  if (log && LOG_OPS.has(op)) {
    if (op === 'bpf_object__load' && hasVerifierLog(log)) return new VerifierError(op, errno, code, log, { cause: e });
    const last = lastLibbpfLine(log);
    if (last) message += `: ${last}`;
  }

  if (code === 'EOPNOTSUPP' || code === 'ENOTSUPP') {
    return new NotSupportedError(probe?.feature ?? op, op, errno, code, message, opts);
  }
  if (probe && isProbeMiss(code)) return new NotSupportedError(probe.feature, op, errno, code, message, opts);
  if (code === 'EPERM' || code === 'EACCES') return new PermissionError(op, errno, code, message, opts);
  if (MAP_OPS.has(op)) {
    if (errno === ENOENT) return new KeyNotFoundError(op, errno, code, message, opts);
    if (code === 'EEXIST') return new KeyExistsError(op, errno, code, message, opts);
    if (code === 'E2BIG' && MAP_WRITE_OPS.has(op)) return new MapFullError(op, errno, code, message, opts);
  }
  return new BpfError(op, errno, code, message, opts);
}

/** Runs `fn` as a feature probe: a kernel that lacks the feature surfaces as NotSupportedError. */
export function probeFeature<T>(feature: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e, { feature });
  }
}

function isProbeMiss(code: string): boolean {
  return code === 'EINVAL' || code === 'E2BIG' || code === 'EOPNOTSUPP' || code === 'ENOTSUPP';
}

const BEGIN_LOG = /-- BEGIN PROG LOAD LOG --/;
const END_LOG = /-- END PROG LOAD LOG --/;

function hasVerifierLog(log: readonly string[]): boolean {
  return log.some((l) => BEGIN_LOG.test(l));
}

/** libbpf: "libbpf: prog 'name': BPF program load failed: ..." */
function rejectedProgram(log: readonly string[]): string | undefined {
  for (const line of log) {
    const m = /prog '([^']+)': (?:BPF program load failed|-- BEGIN PROG LOAD LOG --)/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Verifier statistics and libbpf framing: never the reason a program was rejected. */
const NOISE = [/^processed \d+ insns/, /^verification time/, /^stack depth/, /^libbpf: /, END_LOG, BEGIN_LOG];

/** The last one or two lines of the (last) verifier log that say what went wrong. */
export function verifierTail(log: readonly string[], n = 2): string[] {
  let end = log.length;
  for (let i = log.length - 1; i >= 0; i--) {
    if (END_LOG.test(log[i]!)) {
      end = i;
      break;
    }
  }
  let start = 0;
  for (let i = end - 1; i >= 0; i--) {
    if (BEGIN_LOG.test(log[i]!)) {
      start = i + 1;
      break;
    }
  }
  const meaningful = log.slice(start, end).filter((l) => !NOISE.some((re) => re.test(l.trim())));
  return meaningful.slice(-n).map((l) => l.trim());
}

/** The last libbpf line of an open/load log that isn't the generic "failed to load object". */
function lastLibbpfLine(log: readonly string[]): string | undefined {
  const lines = log.filter((l) => l.startsWith('libbpf: ') && !/failed to load object/.test(l));
  return lines.at(-1)?.slice('libbpf: '.length);
}

/**
 * The daemon's configuration: a YAML/JSON file and/or command-line flags (flags win), validated
 * with zod. Strict objects, so a misspelt field is an error rather than silently ignored; every
 * problem is reported with its field path.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_PIN_DIR } from '../dataplane/bpffs.js';
import { DatastoreConfigSchema } from '../datastore/config.js';
import { formatZodIssues, requiredFieldMessages } from '../model/issues.js';
import { UsageError } from '../cli/errors.js';

export const DEFAULT_LISTEN = '127.0.0.1:9093';

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:9093 or [::1]:9093').refine(
  (v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535,
  'port must be at most 65535',
);

export const DaemonConfigSchema = z.strictObject({
  /** this node's Calico name (its WorkloadEndpoints, its block affinities) */
  nodeName: z.string().min(1, 'must not be empty'),
  /** the node's uplink: tt_from_hep/tt_to_hep go there, remote pods are reached through it; `auto`: the default route's */
  uplink: z.string().min(1).max(15, 'interface names have at most 15 characters').optional(),
  pinDir: z.string().startsWith('/sys/fs/bpf/', 'must be under /sys/fs/bpf/').default(DEFAULT_PIN_DIR),
  attachMode: z.enum(['auto', 'tcx', 'tc']).default('auto'),
  /**
   * while attaching or detaching a batch of tcx links, set /sys/kernel/rcu_expedited (and restore it):
   * each link otherwise waits ~10 ms for an RCU grace period (dataplane/rcu.ts)
   */
  expediteRcu: z.boolean().default(true),
  /** the BPF object to load (default: bpf/build/tortie.o of this installation) */
  bpfObject: z.string().min(1).optional(),
  vtepMac: z
    .string()
    .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, 'must be a MAC like 66:2d:bf:44:a6:8b')
    .optional(),
  vxlanVni: z.int().min(1).max(0xffffff).default(4096),
  vxlanPort: z.int().min(1).max(65535).default(4789),
  datastore: DatastoreConfigSchema,
  /** where /metrics, /healthz and /readyz are served */
  listen: hostPort.default(DEFAULT_LISTEN),
  /**
   * at most one recalculation per debounceMs (or per the last pass's duration, if longer): a change
   * after a quiet spell goes at once, a burst waits and goes together
   */
  debounceMs: z.int().min(0).max(60_000).default(20),
  /**
   * between passes the daemon follows tt_routes and the kernel's routes by what it wrote; every
   * resyncMs it reads them again, which repairs what was changed behind its back
   */
  resyncMs: z.int().min(1000).max(86_400_000).default(60_000),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type DaemonConfig = z.infer<typeof DaemonConfigSchema>;

/** Command-line overrides; undefined = not given. */
export interface DaemonFlags {
  config?: string;
  node?: string;
  uplink?: string;
  pinDir?: string;
  attach?: string;
  bpfObject?: string;
  listen?: string;
  datastoreFile?: string;
  etcdEndpoints?: string;
  debounceMs?: string;
  logLevel?: string;
}

export class DaemonConfigError extends UsageError {
  override name = 'DaemonConfigError';
  constructor(readonly source: string, readonly issues: string[]) {
    super(`invalid daemon configuration (${source}):\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DaemonConfigError(path, [`(file): cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  let value: unknown;
  try {
    value = parseYaml(text); // JSON is YAML too
  } catch (err) {
    throw new DaemonConfigError(path, [`(yaml): ${(err as Error).message.split('\n')[0]}`]);
  }
  if (value === null || value === undefined) return {};
  if (!isRecord(value)) throw new DaemonConfigError(path, ['(root): must be a mapping of settings']);
  return value;
}

/** Flags on top of the file's settings; the node name falls back to $TORTIE_NODE_NAME (the DaemonSet sets it). */
function overlay(file: Record<string, unknown>, flags: DaemonFlags, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = { ...file };
  const set = (key: string, value: unknown) => value !== undefined && (out[key] = value);
  set('nodeName', flags.node ?? (out.nodeName === undefined ? env.TORTIE_NODE_NAME : undefined));
  set('uplink', flags.uplink);
  set('pinDir', flags.pinDir);
  set('attachMode', flags.attach);
  set('bpfObject', flags.bpfObject);
  set('listen', flags.listen);
  set('logLevel', flags.logLevel);
  if (flags.debounceMs !== undefined) out.debounceMs = Number(flags.debounceMs);
  if (flags.datastoreFile !== undefined) out.datastore = { type: 'file', path: flags.datastoreFile };
  if (flags.etcdEndpoints !== undefined) {
    const previous = isRecord(out.datastore) && out.datastore.type === 'etcd' ? out.datastore : {};
    out.datastore = { ...previous, type: 'etcd', endpoints: flags.etcdEndpoints.split(',').map((e) => e.trim()).filter(Boolean) };
  }
  return out;
}

export async function loadDaemonConfig(flags: DaemonFlags, env: NodeJS.ProcessEnv = process.env): Promise<DaemonConfig> {
  const file = flags.config ? await readConfigFile(flags.config) : {};
  const result = DaemonConfigSchema.safeParse(overlay(file, flags, env), { error: requiredFieldMessages });
  if (!result.success) throw new DaemonConfigError(flags.config ?? 'command line', formatZodIssues(result.error));
  return result.data;
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

// The resources Tortie reads, as one union on `kind`, and the validation of one decoded object. Every
// failure becomes a ResourceError naming where it came from, the kind/name and `path: message` lines.
import { z } from 'zod';
import { CALICO_API_VERSION, CALICO_CRD_API_VERSION } from './common.js';
import { IPAMBlockSchema } from './ipam-block.js';
import { IPPoolSchema } from './ippool.js';
import { formatZodIssues, requiredFieldMessages } from './issues.js';
import { NodeSchema } from './node.js';
import { WorkloadEndpointSchema } from './workload-endpoint.js';

export const ResourceSchema = z.discriminatedUnion('kind', [
  WorkloadEndpointSchema,
  IPPoolSchema,
  NodeSchema,
  IPAMBlockSchema,
]);
export type Resource = z.infer<typeof ResourceSchema>;
export type ResourceKind = Resource['kind'];

const SCHEMA_BY_KIND: Record<ResourceKind, z.ZodType<Resource>> = {
  WorkloadEndpoint: WorkloadEndpointSchema,
  IPPool: IPPoolSchema,
  Node: NodeSchema,
  IPAMBlock: IPAMBlockSchema,
};
export const RESOURCE_KINDS = Object.keys(SCHEMA_BY_KIND) as ResourceKind[];

/** Calico kinds that Tortie does not use: skipped (and reported as such), not errors. */
export const IGNORED_CALICO_KINDS: ReadonlySet<string> = new Set([
  'BGPConfiguration', 'BGPFilter', 'BGPPeer', 'BlockAffinity', 'CalicoNodeStatus', 'ClusterInformation',
  'FelixConfiguration', 'GlobalNetworkPolicy', 'GlobalNetworkSet', 'HostEndpoint', 'IPAMConfig',
  'IPAMConfiguration', 'IPAMHandle', 'IPReservation', 'KubeControllersConfiguration', 'NetworkPolicy',
  'NetworkSet', 'Profile', 'StagedGlobalNetworkPolicy', 'StagedKubernetesNetworkPolicy', 'StagedNetworkPolicy',
  'Tier',
]);
const CALICO_API_VERSIONS: ReadonlySet<unknown> = new Set([CALICO_API_VERSION, CALICO_CRD_API_VERSION]);

/** Where an object came from: a file or etcd key, its YAML document index, its index in a list. */
export interface ResourceLocation {
  source: string;
  document?: number;
  item?: number;
}

export interface ResourceError extends ResourceLocation {
  kind?: string;
  name?: string;
  namespace?: string;
  /** One `path: message` line per problem. */
  issues: string[];
  /** Everything above on one line: `pods.yaml[1] WorkloadEndpoint default/pod5: spec.mac: …; …`. */
  message: string;
}

/** Builds a ResourceError, filling in `message`. */
export function resourceError(
  location: ResourceLocation,
  id: { kind?: string; name?: string; namespace?: string },
  issues: string[],
): ResourceError {
  const fields = { ...location, ...dropUndefined(id), issues };
  return { ...fields, message: `${formatLocation(fields)} ${describeResource(fields)}: ${issues.join('; ')}` };
}

export interface SkippedResource extends ResourceLocation {
  kind: string;
  name?: string;
  reason: string;
}

export type ResourceParseResult =
  | { status: 'ok'; resource: Resource }
  | { status: 'error'; error: ResourceError }
  | { status: 'skipped'; skipped: SkippedResource };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function identify(value: Record<string, unknown>): { kind?: string; name?: string; namespace?: string } {
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { kind: str(value.kind), name: str(metadata.name), namespace: str(metadata.namespace) };
}

/** Validate one decoded object (from YAML, lossless JSON or an etcd value) as a Resource. */
export function parseResource(value: unknown, location: ResourceLocation): ResourceParseResult {
  const fail = (issues: string[], id: ReturnType<typeof identify> = {}): ResourceParseResult => ({
    status: 'error',
    error: resourceError(location, id, issues),
  });
  if (!isRecord(value)) {
    return fail([`(root): expected a resource object, got ${Array.isArray(value) ? 'a list' : typeof value}`]);
  }
  const id = identify(value);
  if (id.kind === undefined) return fail(['kind: required'], id);
  const schema = SCHEMA_BY_KIND[id.kind as ResourceKind] as z.ZodType<Resource> | undefined;
  if (schema === undefined) {
    if (IGNORED_CALICO_KINDS.has(id.kind) && CALICO_API_VERSIONS.has(value.apiVersion)) {
      const skipped = { ...location, kind: id.kind, ...dropUndefined({ name: id.name }), reason: 'not used by Tortie' };
      return { status: 'skipped', skipped };
    }
    return fail([`kind: unsupported kind "${id.kind}" (supported: ${RESOURCE_KINDS.join(', ')})`], id);
  }
  const parsed = schema.safeParse(value, { error: requiredFieldMessages });
  if (!parsed.success) return fail(formatZodIssues(parsed.error), id);
  return { status: 'ok', resource: parsed.data };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** `pods.yaml[1].items[3]`: the source, then document and list indexes when there are any. */
export function formatLocation(location: ResourceLocation): string {
  let out = location.source;
  if (location.document !== undefined) out += `[${location.document}]`;
  if (location.item !== undefined) out += `.items[${location.item}]`;
  return out;
}

/** "WorkloadEndpoint default/pod5", for messages. */
export function describeResource(id: { kind?: string; name?: string; namespace?: string }): string {
  const name = id.name === undefined ? '' : id.namespace ? `${id.namespace}/${id.name}` : id.name;
  return [id.kind ?? 'resource', name].filter(Boolean).join(' ');
}

/** Header line plus one `  - path: message` line per issue. */
export function formatResourceError(error: ResourceError): string {
  const header = `${formatLocation(error)}: ${describeResource(error)} is invalid:`;
  return [header, ...error.issues.map((issue) => `  - ${issue}`)].join('\n');
}

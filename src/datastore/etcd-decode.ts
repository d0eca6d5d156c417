// One etcd key/value → one Resource (or the reason it is left out). AllocationBlocks become the same
// IPAMBlock resource a file would hold, so everything after the datastore sees one shape.
//
// With a `nodeName`, other nodes' WorkloadEndpoints are slimmed to what routing to them needs (see
// slimRemoteEndpoint): a full list holds ~100,000 of them, and validating and keeping all their fields
// is most of the time and memory of a sync. What is kept is validated as the WorkloadEndpoint schema
// validates it (the slim endpoint is still a valid WorkloadEndpoint), so a bad address is still reported
// with its key and field path; problems in the dropped fields are not. Other nodes' IPAM blocks are
// validated whole, then slimmed too (slim-block.ts).
//
// Two ways, one result. decodeEtcdText is the reference: JSON.parse (lossless where it matters), then
// the zod schemas. decodeEtcdValue first tries readers that take what they need straight from the
// value's bytes, for the two kinds a full list is made of (remote endpoints: readRemoteEndpoint;
// AllocationBlocks: readAllocationBlock); they accept only values the reference accepts, give the same
// Resource, and hand anything else (every invalid value among them) to decodeEtcdText, which words what
// is wrong. For 100,000 endpoints and 5,000 blocks that makes a full list's decoding ~3x faster.
import type { z } from 'zod';
import { CALICO_CRD_API_VERSION } from '../model/common.js';
import { compiledSchema, parseAllocationBlockJson, parseResourceJson } from '../model/etcd-values.js';
import type { Block, IPAMBlock } from '../model/ipam-block.js';
import { IPPoolSchema } from '../model/ippool.js';
import { parseCidr, formatCidr, networkOf } from '../model/ip.js';
import { parseJsonLossless } from '../model/json.js';
import { NodeSchema } from '../model/node.js';
import { parseResource, resourceError, type Resource, type ResourceError, type ResourceParseResult } from '../model/resources.js';
import { WorkloadEndpointSchema } from '../model/workload-endpoint.js';
import { parseEtcdKey, type EtcdKeyInfo } from './etcd-keys.js';
import { readAllocationBlock } from './read-block.js';
import { readRemoteEndpoint, slimRemoteEndpoint } from './slim-endpoint.js';
import { slimRemoteBlock } from './slim-block.js';

export type EtcdEntryResult =
  | { status: 'ok'; resource: Resource }
  | { status: 'error'; error: ResourceError }
  /** outside Calico's layout, or a Calico kind Tortie does not use */
  | { status: 'skipped' };

export interface DecodeOptions {
  /** This node. When set, other nodes' WorkloadEndpoints are slimmed (see the file comment). */
  nodeName?: string;
}

const SKIPPED: EtcdEntryResult = { status: 'skipped' };

/** With a `nodeName`, other nodes' blocks keep only what routing to them reads (slim-block.ts). */
const slimmed = (block: Block, options: DecodeOptions): Block => (options.nodeName === undefined ? block : slimRemoteBlock(block, options.nodeName));
const NO_OPTIONS: DecodeOptions = {};

/** One key and its value (as text, or its UTF-8 bytes). */
export function decodeEtcdEntry(key: string, value: string | Buffer, options: DecodeOptions = NO_OPTIONS): EtcdEntryResult {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return decodeEtcdValue(key, bytes, 0, bytes.length, options);
}

/** One key and its value, the UTF-8 bytes `bytes[start, end)` (a list page holds many values in one buffer). */
export function decodeEtcdValue(key: string, bytes: Buffer, start: number, end: number, options: DecodeOptions = NO_OPTIONS): EtcdEntryResult {
  const info = parseEtcdKey(key);
  if (info === undefined || !info.used) return SKIPPED;
  if (options.nodeName !== undefined && info.kind === 'WorkloadEndpoint' && info.namespace !== undefined) {
    const remote = readRemoteEndpoint(bytes, start, end, key, info.name, info.namespace, options.nodeName);
    if (remote !== undefined) return { status: 'ok', resource: remote };
  } else if (info.kind === 'IPAMBlock') {
    const block = readAllocationBlock(bytes, start, end);
    if (block !== undefined && sameNetwork(block.cidr, info.cidr!)) return { status: 'ok', resource: blockResource(info.name, slimmed(block, options)) };
  }
  return decodeKnownKey(key, info, bytes.toString('utf8', start, end), options);
}

/** decodeEtcdEntry the reference way (see the file comment): always parsing the whole value. */
export function decodeEtcdText(key: string, text: string, options: DecodeOptions = NO_OPTIONS): EtcdEntryResult {
  const info = parseEtcdKey(key);
  if (info === undefined || !info.used) return SKIPPED;
  return decodeKnownKey(key, info, text, options);
}

function decodeKnownKey(key: string, info: EtcdKeyInfo & { used: true }, text: string, options: DecodeOptions): EtcdEntryResult {
  if (info.kind === 'IPAMBlock') {
    const parsed = parseAllocationBlockJson(text);
    if (!parsed.ok) return entryError(key, info, parsed.issues);
    if (!sameNetwork(parsed.value.cidr, info.cidr!)) {
      return entryError(key, info, [`cidr: ${JSON.stringify(parsed.value.cidr)} does not match the block in the key (${info.cidr})`]);
    }
    return { status: 'ok', resource: blockResource(info.name, slimmed(parsed.value, options)) };
  }

  const parsed = parseV3Value(text, key, options.nodeName);
  if (parsed.status === 'error') return parsed;
  const value = parsed.status === 'ok' ? parsed.resource : parsed.skipped;
  // Calico derives the key from kind/namespace/name; a value that disagrees was not written by Calico.
  let issues: string[] | undefined;
  if (value.kind !== info.kind) (issues ??= []).push(`kind: "${value.kind}" is stored under a ${info.kind} key`);
  if (parsed.status === 'ok') {
    const meta = parsed.resource.metadata;
    if (meta.name !== info.name) (issues ??= []).push(`metadata.name: "${meta.name}" does not match the key (${info.name})`);
    const namespace = 'namespace' in meta ? meta.namespace : undefined;
    if (info.namespace !== undefined && namespace !== info.namespace) {
      (issues ??= []).push(`metadata.namespace: "${namespace ?? ''}" does not match the key (${info.namespace})`);
    }
  }
  if (issues !== undefined) return entryError(key, info, issues);
  return parsed.status === 'ok' ? parsed : SKIPPED;
}

function entryError(key: string, info: { kind: string; name: string; namespace?: string }, issues: string[]): EtcdEntryResult {
  const id = info.namespace === undefined ? { kind: info.kind, name: info.name } : { kind: info.kind, name: info.name, namespace: info.namespace };
  return { status: 'error', error: resourceError({ source: key }, id, issues) };
}

/**
 * parseResourceJson, faster where that is exact:
 *  - native JSON.parse when no run of 16 digits can hold an integer beyond 2^53 (v3 resources never have
 *    such numbers; ~5x faster than the lossless parser). Any syntax error goes the lossless way, for
 *    its precise message.
 *  - another node's WorkloadEndpoint is slimmed before validation (see slimRemoteEndpoint). A valid
 *    slim object holds strings only, so rounding cannot matter; only an invalid one is parsed again
 *    (losslessly if need be), for the exact messages.
 *  - validation without the error map first (see validateResource).
 */
function parseV3Value(text: string, key: string, nodeName: string | undefined): ResourceParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return parseResourceJson(text, key);
  }
  if (nodeName !== undefined) {
    const slim = slimRemoteEndpoint(json, nodeName);
    if (slim !== undefined) {
      const fast = WorkloadEndpoint.safeParse(slim);
      if (fast.success) return { status: 'ok', resource: fast.data };
      if (!LONG_DIGIT_RUN.test(text)) return parseResource(slim, { source: key });
      const exact = losslessJson(text);
      return exact === undefined ? parseResourceJson(text, key) : parseResource(slimRemoteEndpoint(exact, nodeName) ?? exact, { source: key });
    }
  }
  if (!LONG_DIGIT_RUN.test(text)) return validateResource(json, key);
  const exact = losslessJson(text);
  return exact === undefined ? parseResourceJson(text, key) : validateResource(exact, key);
}

/** parseJsonLossless, or undefined where it throws (parseResourceJson then words the error). */
function losslessJson(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}

const LONG_DIGIT_RUN = /\d{16}/;

/** The schemas parseResource would pick for the kinds a v3 key can hold, compiled (same results, faster). */
const WorkloadEndpoint = compiledSchema(WorkloadEndpointSchema);
const SCHEMA_BY_KIND: Readonly<Record<string, z.ZodType<Resource>>> = {
  WorkloadEndpoint,
  IPPool: compiledSchema(IPPoolSchema),
  Node: compiledSchema(NodeSchema),
};

/**
 * parseResource with the same result, ~1.5x faster for a valid resource: a zod parse with the error map
 * costs that much more even when nothing fails, so the first try goes without one and only a failure is
 * parsed again, by parseResource itself, for its exact messages.
 */
function validateResource(json: unknown, key: string): ResourceParseResult {
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const kind = (json as { kind?: unknown }).kind;
    const schema = typeof kind === 'string' && Object.hasOwn(SCHEMA_BY_KIND, kind) ? SCHEMA_BY_KIND[kind] : undefined;
    const fast = schema?.safeParse(json);
    if (fast?.success) return { status: 'ok', resource: fast.data };
  }
  return parseResource(json, { source: key });
}

function sameNetwork(a: string, b: string): boolean {
  if (a === b) return true; // the usual case, and cheap: parsing both costs ~10 µs a block
  const [x, y] = [parseCidr(a), parseCidr(b)];
  return x !== undefined && y !== undefined && formatCidr(networkOf(x)) === formatCidr(networkOf(y));
}

/** The KDD shape (crd.projectcalico.org/v1 IPAMBlock) of an etcd AllocationBlock, named as its key. */
export function blockResource(name: string, block: Block): IPAMBlock {
  return {
    kind: 'IPAMBlock',
    apiVersion: CALICO_CRD_API_VERSION,
    metadata: { name },
    spec: {
      cidr: block.cidr,
      affinity: block.affinity,
      allocations: block.allocations,
      unallocated: block.unallocated,
      attributes: block.attributes,
      sequenceNumber: block.sequenceNumber,
      sequenceNumberForAllocation: block.sequenceNumberForAllocation,
      deleted: block.deleted,
    },
  };
}

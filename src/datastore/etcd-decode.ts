// One etcd key/value → one Resource (or the reason it is left out). AllocationBlocks become the same
// IPAMBlock resource a file would hold, so everything after the datastore sees one shape.
import { CALICO_CRD_API_VERSION } from '../model/common.js';
import { parseAllocationBlockJson, parseResourceJson } from '../model/etcd-values.js';
import type { Block, IPAMBlock } from '../model/ipam-block.js';
import { parseCidr, formatCidr, networkOf } from '../model/ip.js';
import { parseResource, resourceError, type Resource, type ResourceError, type ResourceParseResult } from '../model/resources.js';
import { parseEtcdKey } from './etcd-keys.js';

export type EtcdEntryResult =
  | { status: 'ok'; resource: Resource }
  | { status: 'error'; error: ResourceError }
  /** outside Calico's layout, or a Calico kind Tortie does not use */
  | { status: 'skipped' };

export function decodeEtcdEntry(key: string, text: string): EtcdEntryResult {
  const info = parseEtcdKey(key);
  if (info === undefined || !info.used) return { status: 'skipped' };
  const id = { kind: info.kind, name: info.name, ...(info.namespace === undefined ? {} : { namespace: info.namespace }) };
  const fail = (issues: string[]): EtcdEntryResult => ({ status: 'error', error: resourceError({ source: key }, id, issues) });

  if (info.kind === 'IPAMBlock') {
    const parsed = parseAllocationBlockJson(text);
    if (!parsed.ok) return fail(parsed.issues);
    if (!sameNetwork(parsed.value.cidr, info.cidr!)) {
      return fail([`cidr: ${JSON.stringify(parsed.value.cidr)} does not match the block in the key (${info.cidr})`]);
    }
    return { status: 'ok', resource: blockResource(info.name, parsed.value) };
  }

  const parsed = parseV3Value(text, key);
  if (parsed.status === 'error') return parsed;
  const value = parsed.status === 'ok' ? parsed.resource : parsed.skipped;
  // Calico derives the key from kind/namespace/name; a value that disagrees was not written by Calico.
  const issues: string[] = [];
  if (value.kind !== info.kind) issues.push(`kind: "${value.kind}" is stored under a ${info.kind} key`);
  if (parsed.status === 'ok') {
    const meta = parsed.resource.metadata;
    if (meta.name !== info.name) issues.push(`metadata.name: "${meta.name}" does not match the key (${info.name})`);
    const namespace = 'namespace' in meta ? meta.namespace : undefined;
    if (info.namespace !== undefined && namespace !== info.namespace) {
      issues.push(`metadata.namespace: "${namespace ?? ''}" does not match the key (${info.namespace})`);
    }
  }
  if (issues.length > 0) return fail(issues);
  return parsed.status === 'ok' ? parsed : { status: 'skipped' };
}

/**
 * parseResourceJson, with native JSON.parse when it is exact: without a run of 16 digits no integer can
 * exceed 2^53. v3 resources never hold such numbers, and JSON.parse is ~5x faster than the lossless
 * parser, which matters when a full list decodes 100,000 endpoints. Anything else (and any syntax error,
 * for its precise message) goes the lossless way.
 */
function parseV3Value(text: string, key: string): ResourceParseResult {
  if (LONG_DIGIT_RUN.test(text)) return parseResourceJson(text, key);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return parseResourceJson(text, key);
  }
  return parseResource(json, { source: key });
}

const LONG_DIGIT_RUN = /\d{16}/;

function sameNetwork(a: string, b: string): boolean {
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

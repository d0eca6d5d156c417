// Other nodes' WorkloadEndpoints, cut down to what routing to them needs (see etcd.ts).
import { CALICO_API_VERSION } from '../model/common.js';

export type JsonRecord = Record<string, unknown>;

const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `{apiVersion, kind, metadata: {name, namespace}, spec: {node, ipNetworks, ipNATs?, interfaceName}}` of
 * another node's WorkloadEndpoint, each ipNAT reduced to its two addresses. Undefined (keep everything)
 * for this node's endpoints and for anything that is not a WorkloadEndpoint with a node name, which then
 * fails validation as a whole. Fields absent from the value stay absent, so validation reports them as
 * it would for the full value.
 */
export function slimRemoteEndpoint(value: unknown, nodeName: string): JsonRecord | undefined {
  if (!isRecord(value) || value.kind !== 'WorkloadEndpoint') return undefined;
  const { metadata, spec } = value;
  if (!isRecord(metadata) || !isRecord(spec) || typeof spec.node !== 'string' || spec.node === nodeName) return undefined;
  const slimMetadata: JsonRecord = {};
  if (metadata.name !== undefined) slimMetadata.name = metadata.name;
  if (metadata.namespace !== undefined) slimMetadata.namespace = metadata.namespace;
  const slimSpec: JsonRecord = { node: spec.node };
  if (spec.ipNetworks !== undefined) slimSpec.ipNetworks = spec.ipNetworks;
  if (spec.ipNATs !== undefined) slimSpec.ipNATs = Array.isArray(spec.ipNATs) ? spec.ipNATs.map(slimNat) : spec.ipNATs;
  if (spec.interfaceName !== undefined) slimSpec.interfaceName = spec.interfaceName;
  // The literals rather than the parsed strings: JSON.parse makes a copy of every string longer than ~10
  // characters, and 100,000 copies of these two are 7 MB.
  const slim: JsonRecord = { kind: 'WorkloadEndpoint' };
  if (value.apiVersion !== undefined) slim.apiVersion = value.apiVersion === CALICO_API_VERSION ? CALICO_API_VERSION : value.apiVersion;
  slim.metadata = slimMetadata;
  slim.spec = slimSpec;
  return slim;
}

function slimNat(nat: unknown): unknown {
  if (!isRecord(nat)) return nat;
  const result: JsonRecord = {};
  if (nat.internalIP !== undefined) result.internalIP = nat.internalIP;
  if (nat.externalIP !== undefined) result.externalIP = nat.externalIP;
  return result;
}

// Other nodes' WorkloadEndpoints, cut down to what routing to them needs (see etcd.ts): from a parsed
// value (slimRemoteEndpoint), or read straight from the value's bytes (readRemoteEndpoint), which is how
// a full list reads nearly all of them.
import { CALICO_API_VERSION, interfaceNameProblem, singleAddress } from '../model/common.js';
import { parseIP } from '../model/ip.js';
import { ipNATProblems, type IPNAT, type WorkloadEndpoint } from '../model/workload-endpoint.js';
import { JsonScanner } from './json-scan.js';

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

// --- straight from the value's bytes -----------------------------------------------------------------------

const scanner = new JsonScanner();
/** The bytes of the field names and values compared with. */
const LITERAL = {
  kind: Buffer.from('kind'),
  apiVersion: Buffer.from('apiVersion'),
  metadata: Buffer.from('metadata'),
  spec: Buffer.from('spec'),
  name: Buffer.from('name'),
  namespace: Buffer.from('namespace'),
  node: Buffer.from('node'),
  ipNetworks: Buffer.from('ipNetworks'),
  ipNATs: Buffer.from('ipNATs'),
  interfaceName: Buffer.from('interfaceName'),
  internalIP: Buffer.from('internalIP'),
  externalIP: Buffer.from('externalIP'),
  WorkloadEndpoint: Buffer.from('WorkloadEndpoint'),
  calicoApiVersion: Buffer.from(CALICO_API_VERSION),
};
/**
 * The node and namespace of the endpoint read last, reused while they repeat (endpoints come in key
 * order, which groups them by namespace and node): one string for all of them instead of a copy each.
 */
let lastNode = '';
let lastNamespace = 'default';

const KIND = 1;
const API_VERSION = 2;
const METADATA = 4;
const SPEC = 8;
const NAME = 16;
const NAMESPACE = 32;
const NODE = 64;
const IP_NETWORKS = 128;
const IP_NATS = 256;
const INTERFACE_NAME = 512;
const INTERNAL_IP = 1024;
const EXTERNAL_IP = 2048;

/**
 * The slim WorkloadEndpoint that slimRemoteEndpoint and the WorkloadEndpoint schema would make of the
 * value in `bytes[start, end)`, stored under `key` (of `name` in `namespace`), read without parsing the
 * rest of the value (only checking that it is JSON). It checks what that validation and decodeEtcdEntry
 * check of the slim fields, no less: kind, apiVersion, metadata name and namespace (against the key),
 * node, ipNetworks, ipNATs and interfaceName. Undefined whenever the value is anything else (this node's
 * endpoint, not JSON, invalid, or unusual: an escape or non-ASCII byte in a field read, a field given
 * twice): the caller then decodes it the regular way, which also words what is wrong.
 */
export function readRemoteEndpoint(
  bytes: Buffer,
  start: number,
  end: number,
  key: string,
  name: string,
  namespace: string,
  nodeName: string,
): WorkloadEndpoint | undefined {
  scanner.reset(bytes, start, end);
  const endpoint = readEndpoint(scanner, key, name, namespace, nodeName);
  scanner.release();
  return endpoint;
}

function readEndpoint(s: JsonScanner, key: string, name: string, namespace: string, nodeName: string): WorkloadEndpoint | undefined {
  // name and namespace compared where they are in the key (…/<namespace>/<name>): a flat string, fast to read
  const nameAt = key.length - name.length;
  const namespaceAt = nameAt - 1 - namespace.length;
  let seen = 0;
  let node: string | undefined;
  let ipNetworks: string[] | undefined;
  let ipNATs: IPNAT[] | undefined;
  let interfaceName: string | undefined;
  for (let more = s.nextMember(true); more !== 0; more = s.nextMember(false)) {
    if (more < 0 || s.stringEscaped) return undefined; // an escaped key could still name a field
    const field = topField(s);
    if ((seen & field) !== 0) return undefined;
    seen |= field;
    if (field === KIND) {
      if (!s.string() || !s.bytesAre(LITERAL.WorkloadEndpoint)) return undefined;
    } else if (field === API_VERSION) {
      if (!s.string() || !s.bytesAre(LITERAL.calicoApiVersion)) return undefined;
    } else if (field === METADATA) {
      for (let item = s.nextMember(true); item !== 0; item = s.nextMember(false)) {
        if (item < 0 || s.stringEscaped) return undefined;
        const length = s.stringLength();
        const member = length === 4 && s.bytesAre(LITERAL.name) ? NAME : length === 9 && s.bytesAre(LITERAL.namespace) ? NAMESPACE : 0;
        if ((seen & member) !== 0) return undefined;
        seen |= member;
        if (member === 0) {
          if (!s.skipValue(2)) return undefined;
        } else if (!s.string() || !(member === NAME ? s.textIs(key, nameAt, name.length) : s.textIs(key, namespaceAt, namespace.length))) {
          return undefined; // not a string, or not what the key says
        }
      }
    } else if (field === SPEC) {
      for (let item = s.nextMember(true); item !== 0; item = s.nextMember(false)) {
        if (item < 0 || s.stringEscaped) return undefined;
        const member = specField(s);
        if ((seen & member) !== 0) return undefined;
        seen |= member;
        if (member === NODE) {
          if (!s.string()) return undefined;
          if (lastNode !== '' && s.textIs(lastNode)) {
            node = lastNode;
          } else {
            node = s.text();
            if (node === undefined || node === '') return undefined;
            lastNode = node;
          }
          if (node === nodeName) return undefined; // this node's: kept whole
        } else if (member === IP_NETWORKS) {
          ipNetworks = readAddresses(s);
          if (ipNetworks === undefined) return undefined;
        } else if (member === IP_NATS) {
          ipNATs = readNATs(s);
          if (ipNATs === undefined) return undefined;
        } else if (member === INTERFACE_NAME) {
          if (!s.string()) return undefined;
          interfaceName = s.text();
          if (interfaceName === undefined || interfaceNameProblem(interfaceName) !== undefined) return undefined;
        } else if (!s.skipValue(2)) {
          return undefined;
        }
      }
    } else if (!s.skipValue(1)) {
      return undefined;
    }
  }
  if (!s.atEnd()) return undefined;
  const required = KIND | API_VERSION | METADATA | SPEC | NAME | NODE | INTERFACE_NAME;
  if ((seen & required) !== required || node === undefined || interfaceName === undefined) return undefined;
  if ((seen & NAMESPACE) === 0 && namespace !== 'default') return undefined; // the schema's default
  ipNetworks ??= [];
  if (ipNATs !== undefined && ipNATs.length > 0 && ipNATProblems(ipNetworks, ipNATs).length > 0) return undefined;
  if (namespace !== lastNamespace) lastNamespace = namespace; // equal strings: the one kept already is used
  const metadata = { name, namespace: lastNamespace };
  const spec = ipNATs === undefined ? { node, ipNetworks, interfaceName } : { node, ipNetworks, ipNATs, interfaceName };
  return { kind: 'WorkloadEndpoint', apiVersion: CALICO_API_VERSION, metadata, spec };
}

/** Which of the top-level fields read the last key is (0: none of them). */
function topField(s: JsonScanner): number {
  switch (s.stringLength()) {
    case 4:
      return s.bytesAre(LITERAL.kind) ? KIND : s.bytesAre(LITERAL.spec) ? SPEC : 0;
    case 8:
      return s.bytesAre(LITERAL.metadata) ? METADATA : 0;
    case 10:
      return s.bytesAre(LITERAL.apiVersion) ? API_VERSION : 0;
    default:
      return 0;
  }
}

/** Which of the spec fields read the last key is (0: none of them). */
function specField(s: JsonScanner): number {
  switch (s.stringLength()) {
    case 4:
      return s.bytesAre(LITERAL.node) ? NODE : 0;
    case 6:
      return s.bytesAre(LITERAL.ipNATs) ? IP_NATS : 0;
    case 10:
      return s.bytesAre(LITERAL.ipNetworks) ? IP_NETWORKS : 0;
    case 13:
      return s.bytesAre(LITERAL.interfaceName) ? INTERFACE_NAME : 0;
    default:
      return 0;
  }
}

const scratch: string[] = [];

/** An array of workload addresses, as singleAddressCidr leaves them; undefined if it is not one. */
function readAddresses(s: JsonScanner): string[] | undefined {
  scratch.length = 0;
  for (let more = s.nextItem(true); more !== 0; more = s.nextItem(false)) {
    if (more < 0 || !s.string()) return undefined;
    const text = s.text();
    const address = text === undefined ? undefined : singleAddress(text);
    if (address === undefined) return undefined;
    scratch.push(address);
  }
  return scratch.length === 1 ? [scratch[0]!] : scratch.slice();
}

/** An array of {internalIP, externalIP} with both addresses valid (other fields skipped); undefined if not. */
function readNATs(s: JsonScanner): IPNAT[] | undefined {
  const nats: IPNAT[] = [];
  for (let more = s.nextItem(true); more !== 0; more = s.nextItem(false)) {
    if (more < 0) return undefined;
    let seen = 0;
    let internalIP: string | undefined;
    let externalIP: string | undefined;
    for (let item = s.nextMember(true); item !== 0; item = s.nextMember(false)) {
      if (item < 0 || s.stringEscaped) return undefined;
      const member = s.bytesAre(LITERAL.internalIP) ? INTERNAL_IP : s.bytesAre(LITERAL.externalIP) ? EXTERNAL_IP : 0;
      if ((seen & member) !== 0) return undefined;
      seen |= member;
      if (member === 0) {
        if (!s.skipValue(4)) return undefined;
        continue;
      }
      if (!s.string()) return undefined;
      const text = s.text();
      if (text === undefined || parseIP(text) === undefined) return undefined;
      if (member === INTERNAL_IP) internalIP = text;
      else externalIP = text;
    }
    if (internalIP === undefined || externalIP === undefined) return undefined;
    nats.push({ internalIP, externalIP });
  }
  return nats;
}

// The readers that take remote WorkloadEndpoints and AllocationBlocks straight from a value's bytes
// (decodeEtcdValue) against the reference way (decodeEtcdText: JSON.parse and the zod schemas): for
// every value, valid or not, the same result, to the order of the keys and the words of the errors.
import { describe, expect, it } from 'vitest';
import { decodeEtcdEntry, decodeEtcdText, decodeEtcdValue, type EtcdEntryResult } from '../../src/datastore/etcd-decode.js';
import { blockKey, resourceKey } from '../../src/datastore/etcd-keys.js';
import { readAllocationBlock } from '../../src/datastore/read-block.js';
import { readRemoteEndpoint } from '../../src/datastore/slim-endpoint.js';
import { interfaceNameProblem, singleAddress } from '../../src/model/common.js';
import { parseCidr, parseIPv4 } from '../../src/model/ip.js';
import { stringifyJsonLossless } from '../../src/model/json.js';
import { allocationBlockJson, workloadEndpointJson, workloadEndpointKey } from '../../bench/lib/calico-cluster.js';
import { ALLOCATION_BLOCK_JSON, WORKLOAD_ENDPOINT_JSON } from '../unit/model-fixtures.js';
import { mutate, random } from './fuzz.js';

const WEP_KEY = resourceKey('WorkloadEndpoint', 'node112-k8s-pod5-eth0', 'default');
const BLOCK_KEY = blockKey('10.24.104.0/26');
const REMOTE = { nodeName: 'node7' };

/** A parsed value to edit in tests: any field, any depth. */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- edits reach anywhere

/** `base` parsed, changed by `edit`, and written again. */
function edited(base: string, edit: (value: Json) => void): string {
  const value = JSON.parse(base) as Json;
  edit(value);
  return JSON.stringify(value);
}

/** decodeEtcdEntry gives exactly what the reference gives: status, resource (keys in the same order), error. */
function expectSameAsReference(key: string, text: string, options = REMOTE): EtcdEntryResult {
  const reference = decodeEtcdText(key, text, options);
  const result = decodeEtcdEntry(key, text, options);
  try {
    expect(result).toStrictEqual(reference);
    if (result.status === 'ok' && reference.status === 'ok') {
      expect(stringifyJsonLossless(result.resource)).toBe(stringifyJsonLossless(reference.resource));
    }
  } catch (err) {
    throw new Error(`for ${JSON.stringify(text)}: ${(err as Error).message}`);
  }
  return result;
}

const fastEndpoint = (text: string, key = WEP_KEY, nodeName = 'node7') => {
  const bytes = Buffer.from(text);
  const [namespace, name] = key.split('/').slice(-2) as [string, string];
  return readRemoteEndpoint(bytes, 0, bytes.length, key, name, namespace, nodeName);
};
const fastBlock = (text: string) => readAllocationBlock(Buffer.from(text), 0, Buffer.byteLength(text));

describe('remote WorkloadEndpoints read from the bytes', () => {
  const wep = (edit: (value: Json) => void) => edited(WORKLOAD_ENDPOINT_JSON, edit);

  it('reads what Calico writes without the reference, and gives its result', () => {
    expect(fastEndpoint(WORKLOAD_ENDPOINT_JSON)).toBeDefined();
    expectSameAsReference(WEP_KEY, WORKLOAD_ENDPOINT_JSON);
    // a bench endpoint: no ipNATs, labels and ports
    const key = workloadEndpointKey({ nodes: 10, workloadEndpoints: 100 }, 17);
    const text = workloadEndpointJson({ nodes: 10, workloadEndpoints: 100 }, 17);
    expect(fastEndpoint(text, key, 'node1')).toBeDefined();
    expect(expectSameAsReference(key, text)).toMatchObject({ status: 'ok', resource: { spec: { node: 'node7' } } }); // its own node: whole
    expect(expectSameAsReference(key, text, { nodeName: 'node1' })).toStrictEqual({
      status: 'ok',
      resource: {
        kind: 'WorkloadEndpoint',
        apiVersion: 'projectcalico.org/v3',
        metadata: { name: 'node7-k8s-pod17-eth0', namespace: 'default' },
        spec: { node: 'node7', ipNetworks: ['10.0.1.194/32'], interfaceName: expect.stringMatching(/^cali[0-9a-f]{11}$/) },
      },
    });
  });

  it('gives the reference result for unusual but valid values, and every invalid one', () => {
    const variants: [string, string, boolean][] = [
      // [what, value, whether the bytes reader takes it itself]
      ['no ipNATs', wep((v) => delete v.spec.ipNATs), true],
      ['empty ipNATs', wep((v) => (v.spec.ipNATs = [])), true],
      ['an ipNAT with more fields', wep((v) => (v.spec.ipNATs[0].note = { deep: [1, { x: null }] })), true],
      ['two ipNATs', wep((v) => v.spec.ipNATs.push({ internalIP: '10.24.104.1', externalIP: '172.16.0.51' })), true],
      ['ipNAT of mixed versions', wep((v) => (v.spec.ipNATs[0].externalIP = 'fd00::1')), false],
      ['ipNAT outside the endpoint', wep((v) => (v.spec.ipNATs[0].internalIP = '10.9.9.9')), false],
      ['ipNAT without externalIP', wep((v) => delete v.spec.ipNATs[0].externalIP), false],
      ['ipNAT not an object', wep((v) => (v.spec.ipNATs = ['10.24.104.1'])), false],
      ['ipNATs null', wep((v) => (v.spec.ipNATs = null)), false],
      ['a bare address', wep((v) => (v.spec.ipNetworks = ['10.24.104.1'])), true],
      ['two addresses and IPv6', wep((v) => (v.spec.ipNetworks = ['10.24.104.1/32', 'fd00::1', 'fd00::2/128'])), true],
      ['no addresses', wep((v) => ((v.spec.ipNetworks = []), delete v.spec.ipNATs)), true],
      ['no ipNetworks', wep((v) => (delete v.spec.ipNetworks, delete v.spec.ipNATs)), true],
      ['a /24', wep((v) => (v.spec.ipNetworks = ['10.24.104.1/24'])), false],
      ['a /032', wep((v) => (v.spec.ipNetworks = ['10.24.104.1/032'])), false],
      ['not an address', wep((v) => (v.spec.ipNetworks = ['10.24.104.256/32'])), false],
      ['a number', wep((v) => (v.spec.ipNetworks = [7])), false],
      ['ipNetworks null', wep((v) => (v.spec.ipNetworks = null)), false],
      ['no namespace (default)', wep((v) => delete v.metadata.namespace), true],
      ['empty namespace', wep((v) => (v.metadata.namespace = '')), false],
      ['another namespace', wep((v) => (v.metadata.namespace = 'prod')), false],
      ['another name', wep((v) => (v.metadata.name = 'node112-k8s-pod6-eth0')), false],
      ['no name', wep((v) => delete v.metadata.name), false],
      ['metadata not an object', wep((v) => (v.metadata = [])), false],
      ['spec not an object', wep((v) => (v.spec = 'x')), false],
      ['no spec', wep((v) => delete v.spec), false],
      ['another kind', wep((v) => (v.kind = 'Node')), false],
      ['no kind', wep((v) => delete v.kind), false],
      ['another apiVersion', wep((v) => (v.apiVersion = 'projectcalico.org/v2')), false],
      ['no apiVersion', wep((v) => delete v.apiVersion), false],
      ['no node', wep((v) => delete v.spec.node), false],
      ['an empty node', wep((v) => (v.spec.node = '')), false],
      ['a node that is a number', wep((v) => (v.spec.node = 7)), false],
      ['no interface', wep((v) => delete v.spec.interfaceName), false],
      ['an interface name too long', wep((v) => (v.spec.interfaceName = 'cali0123456789abc')), false],
      ['an interface name with a space', wep((v) => (v.spec.interfaceName = 'cali 1')), false],
      ['an interface name with a control character', wep((v) => (v.spec.interfaceName = 'cali\u0001')), false],
      ['a non-ASCII interface name', wep((v) => (v.spec.interfaceName = 'calié')), false],
      ['an interface name of 15 bytes in 14 characters', wep((v) => (v.spec.interfaceName = 'caliéabcdefghi')), false],
      ['a bad MAC (not read)', wep((v) => (v.spec.mac = 'nope')), true],
      ['unicode and escapes in fields not read', wep((v) => (v.metadata.labels['ünï'] = 'a"b\\c\n\u2028😀')), true],
      ['a __proto__ label', wep((v) => (v.metadata.labels = JSON.parse('{"__proto__":"x"}'))), true],
    ];
    for (const [what, text, fast] of variants) {
      expect([what, fastEndpoint(text) !== undefined]).toEqual([what, fast]);
      expectSameAsReference(WEP_KEY, text);
    }
    // a name whose UTF-8 bytes read as Latin-1 are the key's name: not the same name
    const latinKey = resourceKey('WorkloadEndpoint', 'Ã¼', 'default');
    const utf8Name = wep((v) => (v.metadata.name = 'ü'));
    expect(fastEndpoint(utf8Name, latinKey)).toBeUndefined();
    expect(expectSameAsReference(latinKey, utf8Name).status).toBe('error');
    // under another namespace's key: with no namespace in the value it is "default", which does not match
    const prodKey = resourceKey('WorkloadEndpoint', 'node112-k8s-pod5-eth0', 'prod');
    for (const [text, fast] of [[wep((v) => delete v.metadata.namespace), false], [wep((v) => (v.metadata.namespace = 'prod')), true]] as const) {
      expect(fastEndpoint(text, prodKey) !== undefined).toBe(fast);
      expectSameAsReference(prodKey, text);
    }
    const pretty = JSON.stringify(JSON.parse(WORKLOAD_ENDPOINT_JSON), null, 2);
    expect(fastEndpoint(pretty)).toBeDefined();
    expectSameAsReference(WEP_KEY, pretty);
    // written in ways the reference reads differently from the bytes: left to the reference
    const tricky = [
      WORKLOAD_ENDPOINT_JSON.replace('"node":"node112"', '"no\\u0064e":"node112"'), // an escaped key
      WORKLOAD_ENDPOINT_JSON.replace(/}$/, ',"\\u006bind":"Node"}'), // the same key again, escaped: it counts
      WORKLOAD_ENDPOINT_JSON.replace('"generateName"', '"n\\u0061me":"other","generateName"'),
      WORKLOAD_ENDPOINT_JSON.replace('"externalIP"', '"\\u0065xternalIP":"fd00::1","externalIP"'),
      WORKLOAD_ENDPOINT_JSON.replace('"interfaceName":"cali8e9fad9b07c"', '"interfaceName":"cali8e9fad9b07\\u0063"'),
      WORKLOAD_ENDPOINT_JSON.replace('"spec":{', '"spec":{"node":"node3",'), // a field given twice: the last counts
      WORKLOAD_ENDPOINT_JSON.replace('{"kind"', '{"spec":{},"kind"'),
      WORKLOAD_ENDPOINT_JSON.replace('"labels":{', `"labels":{"deep":${'['.repeat(100)}${']'.repeat(100)},`),
      WORKLOAD_ENDPOINT_JSON.slice(0, -1), // cut short
      `${WORKLOAD_ENDPOINT_JSON} x`,
      '',
    ];
    for (const text of tricky) {
      expect(fastEndpoint(text)).toBeUndefined();
      expectSameAsReference(WEP_KEY, text);
    }
  });

  it('reports an invalid endpoint of a page with its key and field path, and reads the others', () => {
    const spec = { nodes: 10, workloadEndpoints: 100 };
    const entries = Array.from({ length: 20 }, (_, j) => [workloadEndpointKey(spec, j), workloadEndpointJson(spec, j)] as [string, string]);
    entries[5]![1] = entries[5]![1].replace(/"interfaceName":"[^"]*"/, '"interfaceName":"eth0:1"');
    entries[9]![1] = entries[9]![1].replace(/"ipNetworks":\["[^"]*"\]/, '"ipNetworks":["10.0.0.0/8"]');
    // as in a list page: all values in one buffer
    const page = Buffer.from(entries.map(([, value]) => value).join(''));
    const results: EtcdEntryResult[] = [];
    let at = 0;
    for (const [key, value] of entries) {
      const length = Buffer.byteLength(value);
      results.push(decodeEtcdValue(key, page, at, at + length, { nodeName: 'node0' }));
      at += length;
    }
    expect(results.map((r) => r.status)).toEqual(entries.map((_, j) => (j === 5 || j === 9 ? 'error' : 'ok')));
    expect(results[5]).toMatchObject({
      status: 'error',
      error: { source: entries[5]![0], kind: 'WorkloadEndpoint', name: 'node5-k8s-pod5-eth0', namespace: 'default', issues: [`spec.interfaceName: "eth0:1" must not contain '/', ':' or whitespace`] },
    });
    expect(results[9]).toMatchObject({
      status: 'error',
      error: { source: entries[9]![0], issues: ['spec.ipNetworks[0]: "10.0.0.0/8" must be a single address: /32 for IPv4 or /128 for IPv6, not /8'] },
    });
    // node0's own endpoints whole, the others slim
    expect(results.filter((r) => r.status === 'ok' && r.resource.kind === 'WorkloadEndpoint' && r.resource.spec.mac !== undefined)).toHaveLength(2);
  });

  it('agrees with the reference on thousands of random edits', () => {
    const next = random(2);
    const base = workloadEndpointJson({ nodes: 10, workloadEndpoints: 100 }, 3).replace('"ipNetworks"', '"ipNATs":[{"internalIP":"10.0.0.129","externalIP":"172.16.0.50"}],"ipNetworks"');
    const key = workloadEndpointKey({ nodes: 10, workloadEndpoints: 100 }, 3);
    let fast = 0;
    for (let i = 0; i < 3_000; i++) {
      let text = i % 2 === 0 ? base : WORKLOAD_ENDPOINT_JSON;
      for (let edits = 1 + Math.floor(next() * 2); edits > 0; edits--) text = mutate(text, next, '{}[]":,\\ 0123456789./-abcdefkln\u00e9');
      const k = i % 2 === 0 ? key : WEP_KEY;
      if (fastEndpoint(text, k) !== undefined) fast++;
      expectSameAsReference(k, text);
    }
    expect(fast).toBeGreaterThan(500);
  });
});

describe('AllocationBlocks read from the bytes', () => {
  const block = (edit: (value: Json) => void) => {
    // sequence numbers beyond 2^53: edited as text, not through JSON.parse
    const marked = ALLOCATION_BLOCK_JSON.replace(/(\d{16,})/g, '"#$1"');
    return edited(marked, edit).replace(/"#(\d+)"/g, '$1');
  };

  it('reads what Calico writes without the reference, and gives its result', () => {
    expect(fastBlock(ALLOCATION_BLOCK_JSON)).toBeDefined();
    const result = expectSameAsReference(BLOCK_KEY, ALLOCATION_BLOCK_JSON);
    expect(result.status === 'ok' && result.resource.kind === 'IPAMBlock' && result.resource.spec.sequenceNumber).toBe(1714558830123456791n);
    // a full bench block: 20 pods
    const pods = Array.from({ length: 20 }, (_, k) => 3 + k * 10);
    const text = allocationBlockJson(3, pods, { nodes: 10, workloadEndpoints: 200 });
    const key = blockKey('10.0.0.192/26');
    expect(fastBlock(text)).toBeDefined();
    expectSameAsReference(key, text);
  });

  it('gives the reference result for unusual but valid values, and every invalid one', () => {
    const variants: [string, string, boolean][] = [
      ['v3.32: affinity_claim_time, alternateOwnerAttrs', block((v) => {
        v.affinity_claim_time = '2024-05-01T10:20:29Z';
        v.attributes[1].alternateOwnerAttrs = { pod: 'x' };
      }), true],
      ['an attribute with a field of its own', block((v) => (v.attributes[1].releasedAt = { at: [1, '2'] })), true],
      ['an attribute with a __proto__ field', block((v) => (v.attributes[1] = JSON.parse('{"handle_id":"h","__proto__":{"x":1}}'))), false],
      ['an attribute with its fields in another order', block((v) => (v.attributes[1] = { secondary: v.attributes[1].secondary, handle_id: 'h' })), true],
      ['secondary keys in another order', block((v) => (v.attributes[1].secondary = { pod: 'p', node: 'n', namespace: 'ns' })), true],
      ['an attribute without handle', block((v) => (v.attributes[0] = { secondary: null })), true],
      ['an empty attribute', block((v) => (v.attributes[0] = {})), true],
      ['a secondary with __proto__', block((v) => (v.attributes[0].secondary = JSON.parse('{"__proto__":"x","node":"n"}'))), false],
      ['a secondary with a number', block((v) => (v.attributes[0].secondary.node = 7)), false],
      ['null affinity', block((v) => (v.affinity = null)), true],
      ['empty affinity', block((v) => (v.affinity = '')), true],
      ['no affinity', block((v) => delete v.affinity), true],
      ['a load balancer affinity', block((v) => (v.affinity = 'virtual:load-balancer')), true],
      ['a bad affinity', block((v) => (v.affinity = 'node2')), false],
      ['an affinity with a newline', block((v) => (v.affinity = 'host:a\nb')), false],
      ['null unallocated', block((v) => (v.unallocated = null)), true],
      ['no unallocated', block((v) => delete v.unallocated), false],
      ['null attributes (and no allocations)', block((v) => ((v.attributes = null), (v.allocations = v.allocations.map(() => null)))), true],
      ['no attributes', block((v) => ((v.attributes = undefined), (v.allocations = v.allocations.map(() => null)))), true],
      ['null sequenceNumberForAllocation', block((v) => (v.sequenceNumberForAllocation = null)), true],
      ['no sequenceNumberForAllocation', block((v) => delete v.sequenceNumberForAllocation), true],
      ['a sequence number as a string', block((v) => (v.sequenceNumberForAllocation['0'] = '17')), false],
      ['a small sequence number', block((v) => (v.sequenceNumber = 5)), true],
      ['a 16-digit sequence number', block((v) => (v.sequenceNumber = 1_000_000_000_000_000)), true],
      ['a negative sequence number', block((v) => (v.sequenceNumber = -5)), false],
      ['no sequence number', block((v) => delete v.sequenceNumber), false],
      ['deleted', block((v) => (v.deleted = true)), true],
      ['no deleted', block((v) => delete v.deleted), true],
      ['deleted null', block((v) => (v.deleted = null)), false],
      ['hostAffinity', block((v) => (v.hostAffinity = 'node2')), true],
      ['hostAffinity null', block((v) => (v.hostAffinity = null)), true],
      ['hostAffinity a number', block((v) => (v.hostAffinity = 3)), false],
      ['fields of its own', block((v) => (v.extra = { a: [1, 2, { b: null }] })), true],
      ['too few allocations', block((v) => v.allocations.pop()), false],
      ['an allocation beyond the attributes', block((v) => (v.allocations[5] = 2)), false],
      ['a negative allocation', block((v) => (v.allocations[5] = -1)), false],
      ['an ordinal outside the block', block((v) => v.unallocated.push(64)), false],
      ['host bits in the cidr', block((v) => (v.cidr = '10.24.104.1/26')), false],
      ['another block (the key is checked after)', block((v) => (v.cidr = '10.24.105.0/26')), true],
      ['not a cidr', block((v) => (v.cidr = '10.24.104.0')), false],
      ['a /8 block', block((v) => (v.cidr = '10.0.0.0/8')), false],
      ['no cidr', block((v) => delete v.cidr), false],
      ['escapes and unicode in attributes', block((v) => (v.attributes[1].secondary.pod = 'ü"\\\n')), true],
      ['nodes that are one UTF-8 string and its Latin-1 reading', block((v) => ((v.attributes[0].secondary.node = 'Ã¼'), (v.attributes[1].secondary.node = 'ü'))), true],
    ];
    for (const [what, text, fast] of variants) {
      expect([what, fastBlock(text) !== undefined]).toEqual([what, fast]);
      expectSameAsReference(BLOCK_KEY, text);
    }
    const tricky = [
      ALLOCATION_BLOCK_JSON.replace('"cidr"', '"cid\\u0072"'), // an escaped key
      ALLOCATION_BLOCK_JSON.replace(/}$/, ',"cid\\u0072":"10.24.105.0/26"}'), // the same key again, escaped: it counts
      ALLOCATION_BLOCK_JSON.replace('"handle_id":"vxlan-tunnel-addr-node2"', '"handle_id":"vxlan-tunnel-addr-node2","handle\\u005fid":7'),
      ALLOCATION_BLOCK_JSON.replace('"deleted":false', '"deleted":false,"cidr":"10.24.104.0/26"'), // twice
      ALLOCATION_BLOCK_JSON.replace('"allocations":[0,1,', '"allocations":[0,1.0,'),
      ALLOCATION_BLOCK_JSON.replace('"allocations":[0,1,', '"allocations":[0,1e0,'),
      ALLOCATION_BLOCK_JSON.replace('"sequenceNumber":1714558830123456791', '"sequenceNumber":18446744073709551616'),
      ALLOCATION_BLOCK_JSON.replace('"handle_id"', '"handle\\u005fid"'),
      ALLOCATION_BLOCK_JSON.replace('{"0":', '{"x":'),
      ALLOCATION_BLOCK_JSON.slice(0, -1),
    ];
    for (const text of tricky) {
      expect(fastBlock(text)).toBeUndefined();
      expectSameAsReference(BLOCK_KEY, text);
    }
    const pretty = JSON.stringify(JSON.parse(block(() => undefined).replace(/(\d{16,})/g, '"#$1"')), null, 2).replace(/"#(\d+)"/g, '$1');
    expect(fastBlock(pretty)).toBeDefined();
    expectSameAsReference(BLOCK_KEY, pretty);
  });

  it('agrees with the reference on thousands of random edits', () => {
    const next = random(3);
    let fast = 0;
    for (let i = 0; i < 3_000; i++) {
      let text = ALLOCATION_BLOCK_JSON;
      for (let edits = 1 + Math.floor(next() * 2); edits > 0; edits--) text = mutate(text, next, '{}[]":,\\ 0123456789-.enul');
      if (fastBlock(text) !== undefined) fast++;
      expectSameAsReference(BLOCK_KEY, text);
    }
    expect(fast).toBeGreaterThan(500);
  });
});

describe('the checks the readers share with the schemas', () => {
  /** The regex-based parseIPv4 these replaced. */
  const referenceIPv4 = (text: string): number | undefined => {
    const parts = text.split('.');
    if (parts.length !== 4) return undefined;
    let value = 0;
    for (const part of parts) {
      if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
      value = value * 256 + Number(part);
    }
    return value;
  };

  /** The regex-based parseCidr(text, { allowBareIP: true }) these replaced, for IPv4. */
  const referenceCidr = (text: string) => {
    const slash = text.indexOf('/');
    const ip = referenceIPv4(slash < 0 ? text : text.slice(0, slash));
    const length = slash < 0 ? '32' : text.slice(slash + 1);
    if (ip === undefined || !/^(0|[1-9]\d{0,2})$/.test(length) || Number(length) > 32) return undefined;
    return { family: 4, addr: BigInt(ip), prefixLen: Number(length) };
  };

  it('parseIPv4, parseCidr, singleAddress and interfaceNameProblem as before on random strings', () => {
    const next = random(4);
    const pick = (chars: string, n: number) => Array.from({ length: n }, () => chars[Math.floor(next() * chars.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const text = i % 3 === 0 ? pick('0123456789./', 4 + Math.floor(next() * 16)) : `${pick('0123456789', 1 + Math.floor(next() * 3))}.${pick('0125', 1 + Math.floor(next() * 3))}.1.${pick('0123456789', 1 + Math.floor(next() * 3))}${next() < 0.5 ? '' : `/${pick('0123', 1 + Math.floor(next() * 3))}`}`;
      const [address] = text.split('/');
      expect([text, parseIPv4(address!)]).toEqual([text, referenceIPv4(address!)]);
      expect([text, parseCidr(text, { allowBareIP: true })]).toEqual([text, referenceCidr(text)]);
      const cidr = parseCidr(text, { allowBareIP: true });
      const expected = cidr === undefined || cidr.prefixLen !== (cidr.family === 4 ? 32 : 128) ? undefined : text.includes('/') ? text : `${text}/32`;
      expect([text, singleAddress(text)]).toEqual([text, expected]);
    }
    for (const name of ['cali0', 'eth0', 'x'.repeat(15), 'x'.repeat(16), '.', '..', 'a/b', 'a:b', 'a b', 'a\tb', 'a\u00a0b', 'a\u2028b', 'é', 'é'.repeat(8), '', 'a\u0001b', 'a\u007fb']) {
      const bytes = Buffer.byteLength(name);
      const expected =
        bytes === 0 ? 'must not be empty'
        : bytes > 15 ? `is ${bytes} bytes long; Linux interface names are at most 15`
        : name === '.' || name === '..' ? 'is not a valid interface name'
        : /[/:\s]/.test(name) ? "must not contain '/', ':' or whitespace"
        : undefined;
      expect([name, interfaceNameProblem(name)]).toEqual([name, expected]);
    }
  });
});

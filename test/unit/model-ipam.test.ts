import { describe, expect, it } from 'vitest';
import { parseAllocationBlockJson, parseBlockAffinityJson, parseResourceJson } from '../../src/model/etcd-values.js';
import { AllocationBlockValueSchema, blockFromIPAMBlock, ipv4Allocations, type Block } from '../../src/model/ipam-block.js';
import { formatZodIssues } from '../../src/model/issues.js';
import { parseResources } from '../../src/model/load.js';
import { ALLOCATION_BLOCK_JSON, WORKLOAD_ENDPOINT_JSON } from './model-fixtures.js';

const POD_HANDLE = 'k8s-pod-network.8c3b1e2f6a7d4c5b9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d';

function okBlock(text: string): Block {
  const result = parseAllocationBlockJson(text);
  if (!result.ok) throw new Error(result.issues.join('\n'));
  return result.value;
}

function blockIssues(patch: Record<string, unknown>): string[] {
  const value = { ...JSON.parse(ALLOCATION_BLOCK_JSON), sequenceNumber: 1, sequenceNumberForAllocation: {}, ...patch };
  const result = parseAllocationBlockJson(JSON.stringify(value));
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

/** The §1.3 block as a KDD IPAMBlock resource, the way `kubectl get ipamblock -o yaml` prints it. */
const IPAM_BLOCK_YAML = `
apiVersion: crd.projectcalico.org/v1
kind: IPAMBlock
metadata:
  name: 10-24-104-0-26
spec:
  cidr: 10.24.104.0/26
  affinity: host:node2
  allocations: [0, 1${', null'.repeat(62)}]
  unallocated: [${Array.from({ length: 62 }, (_, i) => i + 2).join(', ')}]
  attributes:
  - handle_id: vxlan-tunnel-addr-node2
    secondary:
      node: node2
      type: vxlanTunnelAddress
  - handle_id: ${POD_HANDLE}
    secondary:
      namespace: default
      node: node2
      pod: pod5
      timestamp: 2024-05-01 10:20:30.123456789 +0000 UTC
  sequenceNumber: 1714558830123456791
  sequenceNumberForAllocation:
    "0": 1714558830123456789
    1: 1714558830123456790
  deleted: false
  strictAffinity: false
`;

describe('AllocationBlock (etcd value)', () => {
  it('parses the §1.3 example with exact sequence numbers', () => {
    const block = okBlock(ALLOCATION_BLOCK_JSON);
    expect(block.cidr).toBe('10.24.104.0/26');
    expect(block.affinity).toBe('host:node2');
    expect(block.affinityHost).toBe('node2');
    expect(block.allocations).toHaveLength(64);
    expect(block.unallocated).toEqual(Array.from({ length: 62 }, (_, i) => i + 2));
    expect(block.sequenceNumber).toBe(1714558830123456791n);
    expect(block.sequenceNumberForAllocation).toEqual({ '0': 1714558830123456789n, '1': 1714558830123456790n });
    expect(block.deleted).toBe(false);
    expect(ipv4Allocations(block)).toEqual([
      {
        ordinal: 0,
        ip: '10.24.104.0',
        attribute: { handle_id: 'vxlan-tunnel-addr-node2', secondary: { node: 'node2', type: 'vxlanTunnelAddress' } },
      },
      {
        ordinal: 1,
        ip: '10.24.104.1',
        attribute: {
          handle_id: POD_HANDLE,
          secondary: { namespace: 'default', node: 'node2', pod: 'pod5', timestamp: '2024-05-01 10:20:30.123456789 +0000 UTC' },
        },
      },
    ]);
  });

  it('accepts a new block as newBlock writes it, and non-host affinities', () => {
    const fresh = {
      cidr: '10.24.105.0/26',
      affinity: null,
      allocations: new Array(64).fill(null),
      unallocated: Array.from({ length: 64 }, (_, i) => i),
      attributes: null,
      sequenceNumber: '1714558830123456789',
      sequenceNumberForAllocation: {},
      deleted: false,
    };
    const block = okBlock(JSON.stringify(fresh));
    expect(block).toMatchObject({ affinity: null, affinityHost: null, attributes: [], sequenceNumber: 1714558830123456789n });
    expect(okBlock(JSON.stringify({ ...fresh, affinity: 'virtual:load-balancer' })).affinityHost).toBeNull();
    // v3.32+ fields are accepted too.
    const v332 = okBlock(ALLOCATION_BLOCK_JSON.replace('"host:node2",', '"host:node2","affinity_claim_time":"2024-05-01T10:20:29Z",'));
    expect(v332.affinityHost).toBe('node2');
  });

  it('refuses a sequence number that a plain JSON.parse already rounded', () => {
    const rounded = AllocationBlockValueSchema.safeParse(JSON.parse(ALLOCATION_BLOCK_JSON));
    expect(rounded.success).toBe(false);
    expect(formatZodIssues(rounded.error!)).toEqual([
      'sequenceNumberForAllocation["0"]: 1714558830123456800 is above 2^53 and has lost precision; parse the input with parseJsonLossless',
      'sequenceNumberForAllocation["1"]: 1714558830123456800 is above 2^53 and has lost precision; parse the input with parseJsonLossless',
      'sequenceNumber: 1714558830123456800 is above 2^53 and has lost precision; parse the input with parseJsonLossless',
    ]);
    expect(blockIssues({ sequenceNumber: -1 })).toEqual(['sequenceNumber: -1 is out of range for an unsigned 64-bit integer']);
  });

  it('checks that the block is internally consistent', () => {
    const allocations = [0, 5, ...new Array(61).fill(null)];
    expect(blockIssues({ allocations, unallocated: [2, 64], affinity: 'node2' })).toEqual([
      'affinity: "node2" is not "host:<node>" or "virtual:<name>"',
      'allocations: has 63 entries; a /26 block needs 64',
      'allocations[1]: refers to attributes[5], but there are 2 attributes',
      'unallocated[1]: ordinal 64 is outside the block',
    ]);
    expect(blockIssues({ cidr: '10.24.104.0/8' })).toEqual(['cidr: a /8 block is implausibly large']);
    const missing = JSON.parse(ALLOCATION_BLOCK_JSON);
    delete missing.sequenceNumber;
    const result = parseAllocationBlockJson(JSON.stringify(missing));
    expect(result).toEqual({ ok: false, issues: ['sequenceNumber: required'] });
    expect(parseAllocationBlockJson('{"cidr":')).toEqual({
      ok: false,
      issues: ['(json): unexpected end of input at line 1, column 9'],
    });
  });
});

describe('IPAMBlock resource (KDD form)', () => {
  it('normalises to the same Block as the etcd value', () => {
    const { resources, errors } = parseResources(IPAM_BLOCK_YAML, 'blocks.yaml');
    expect(errors).toEqual([]);
    const resource = resources[0];
    if (resource?.kind !== 'IPAMBlock') throw new Error('expected an IPAMBlock');
    expect(resource.spec.strictAffinity).toBe(false);
    expect(blockFromIPAMBlock(resource)).toEqual(okBlock(ALLOCATION_BLOCK_JSON));
  });

  it('defaults the optional CRD fields', () => {
    const yaml = `
kind: IPAMBlock
apiVersion: crd.projectcalico.org/v1
metadata: {name: 10-24-105-0-30}
spec: {cidr: 10.24.105.0/30, allocations: [null, null, null, null], unallocated: [0, 1, 2, 3], attributes: []}
`;
    const [resource] = parseResources(yaml, 'b.yaml').resources;
    if (resource?.kind !== 'IPAMBlock') throw new Error('expected an IPAMBlock');
    expect(blockFromIPAMBlock(resource)).toEqual({
      cidr: '10.24.105.0/30',
      affinity: null,
      affinityHost: null,
      allocations: [null, null, null, null],
      unallocated: [0, 1, 2, 3],
      attributes: [],
      sequenceNumber: 0n,
      sequenceNumberForAllocation: {},
      deleted: false,
    });
  });
});

describe('BlockAffinity value', () => {
  it.each([
    ['{"state":"confirmed","deleted":false}', { state: 'confirmed', deleted: false }],
    ['{"state":"pending","deleted":false}', { state: 'pending', deleted: false }],
    ['{"state":"pendingDeletion","deleted":true}', { state: 'pendingDeletion', deleted: true }],
    ['{"state":""}', { state: 'confirmed', deleted: false }],
    ['{}', { state: 'confirmed', deleted: false }],
    ['', { state: 'confirmed', deleted: false }],
  ])('parses %j', (text, value) => {
    expect(parseBlockAffinityJson(text)).toEqual({ ok: true, value });
  });

  it('rejects unknown states', () => {
    expect(parseBlockAffinityJson('{"state":"claimed"}')).toEqual({
      ok: false,
      issues: ['state: Invalid option: expected one of ""|"pending"|"confirmed"|"pendingDeletion"'],
    });
  });
});

describe('v3 resource values from etcd', () => {
  it('parses with the key as the source of errors', () => {
    const key = '/calico/resources/v3/projectcalico.org/workloadendpoints/default/node112-k8s-pod5-eth0';
    expect(parseResourceJson(WORKLOAD_ENDPOINT_JSON, key).status).toBe('ok');
    const bad = parseResourceJson(WORKLOAD_ENDPOINT_JSON.replace('"10.24.104.1/32"', '"10.24.104.1/31"'), key);
    expect(bad).toMatchObject({
      status: 'error',
      error: { source: key, kind: 'WorkloadEndpoint', issues: [expect.stringMatching(/^spec\.ipNetworks\[0\]: /)] },
    });
    expect(parseResourceJson('not json', key)).toMatchObject({ status: 'error', error: { source: key } });
  });
});

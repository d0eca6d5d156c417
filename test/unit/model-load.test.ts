import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatZodIssues } from '../../src/model/issues.js';
import {
  loadResourceFile,
  parseResources,
  ResourceValidationError,
  validateAll,
} from '../../src/model/load.js';
import { formatResourceError } from '../../src/model/resources.js';
import {
  CLUSTERINFORMATION_JSON,
  FELIXCONFIGURATION_JSON,
  IPPOOL_JSON,
  IPRESERVATION_JSON,
  NODE_JSON,
  WORKLOAD_ENDPOINT_JSON,
} from './model-fixtures.js';

const WEP_YAML = (name: string, ipNetworks: string) => `
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: ${name}
  namespace: default
spec:
  orchestrator: k8s
  node: node112
  pod: ${name}
  endpoint: eth0
  ipNetworks: ${ipNetworks}
  interfaceName: cali8e9fad9b07c
  mac: 9A:6B:1C:2D:3E:4F
`;

const POOL_YAML = `
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: default-ipv4-ippool
spec:
  cidr: 10.24.0.0/16
  vxlanMode: Always
  natOutgoing: true
`;

const NODE_YAML = `
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: node2
spec:
  bgp:
    ipv4Address: 192.168.1.12/24
  ipv4VXLANTunnelAddr: 10.24.104.0
status: {}
`;

describe('parseResources', () => {
  it('reads multi-document YAML', () => {
    const text = [WEP_YAML('pod5', '[10.24.104.1/32]'), POOL_YAML, NODE_YAML, '\n# trailing comment only\n'].join('---');
    const { resources, errors, skipped } = parseResources(text, 'cluster.yaml');
    expect(errors).toEqual([]);
    expect(skipped).toEqual([]);
    expect(resources.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual([
      'WorkloadEndpoint/pod5',
      'IPPool/default-ipv4-ippool',
      'Node/node2',
    ]);
    const [wep, pool] = resources;
    expect(wep?.kind === 'WorkloadEndpoint' && wep.spec.mac).toBe('9a:6b:1c:2d:3e:4f');
    // Small YAML integers are numbers, not the bigints yaml's intAsBigInt produces.
    expect(pool?.kind === 'IPPool' && pool.spec.blockSize).toBe(26);
  });

  it('reports a bad document with its index, kind, name and field path, and keeps the others', () => {
    const text = [WEP_YAML('pod5', '[10.24.104.1/32]'), WEP_YAML('pod6', '[10.24.104.2/32, 10.24.104.0/24]')].join('---');
    const { resources, errors } = parseResources(text, 'pods.yaml');
    expect(resources).toHaveLength(1);
    expect(errors).toEqual([
      {
        source: 'pods.yaml',
        document: 1,
        kind: 'WorkloadEndpoint',
        name: 'pod6',
        namespace: 'default',
        issues: ['spec.ipNetworks[1]: "10.24.104.0/24" must be a single address: /32 for IPv4 or /128 for IPv6, not /24'],
        message:
          'pods.yaml[1] WorkloadEndpoint default/pod6: spec.ipNetworks[1]: "10.24.104.0/24" must be a single address: ' +
          '/32 for IPv4 or /128 for IPv6, not /24',
      },
    ]);
    expect(formatResourceError(errors[0]!)).toBe(
      'pods.yaml[1]: WorkloadEndpoint default/pod6 is invalid:\n' +
        '  - spec.ipNetworks[1]: "10.24.104.0/24" must be a single address: /32 for IPv4 or /128 for IPv6, not /24',
    );
  });

  it('reads the Calico JSON examples: an object, an array, and a Kubernetes List', () => {
    expect(parseResources(WORKLOAD_ENDPOINT_JSON, 'wep.json')).toMatchObject({ errors: [], resources: [{ kind: 'WorkloadEndpoint' }] });
    const array = `[${WORKLOAD_ENDPOINT_JSON},${IPPOOL_JSON},${NODE_JSON}]`;
    const fromArray = parseResources(array, 'all.json');
    expect(fromArray.errors).toEqual([]);
    expect(fromArray.resources.map((r) => r.kind)).toEqual(['WorkloadEndpoint', 'IPPool', 'Node']);
    const list = `{"apiVersion":"v1","kind":"List","items":${array},"metadata":{"resourceVersion":""}}`;
    expect(parseResources(list, 'list.json').resources).toEqual(fromArray.resources);
  });

  it('reads JSON documents separated by ---, as YAML', () => {
    const { resources, errors } = parseResources(`${IPPOOL_JSON}\n---\n${NODE_JSON}\n`, 'docs.json');
    expect(errors).toEqual([]);
    expect(resources.map((r) => r.kind)).toEqual(['IPPool', 'Node']);
  });

  it('reads calicoctl typed lists whose items may omit kind and apiVersion', () => {
    const text = `
apiVersion: projectcalico.org/v3
kind: IPPoolList
metadata:
  resourceVersion: "1234"
items:
- metadata: {name: pool-a}
  spec: {cidr: 10.24.0.0/16}
- apiVersion: projectcalico.org/v3
  kind: IPPool
  metadata: {name: pool-b}
  spec: {cidr: 10.25.0.0/16, ipipMode: Always, vxlanMode: Always}
`;
    const { resources, errors } = parseResources(text, 'pools.yaml');
    expect(resources.map((r) => r.metadata.name)).toEqual(['pool-a']);
    expect(errors).toMatchObject([
      {
        document: 0,
        item: 1,
        kind: 'IPPool',
        name: 'pool-b',
        issues: ['spec: ipipMode (Always) and vxlanMode (Always) cannot both be enabled; set one of them to Never'],
      },
    ]);
    expect(errors[0]?.message).toMatch(/^pools\.yaml\[0\]\.items\[1\] IPPool pool-b: spec: /);
  });

  it('skips Calico kinds Tortie does not use', () => {
    const text = [IPRESERVATION_JSON, FELIXCONFIGURATION_JSON, CLUSTERINFORMATION_JSON].join(',');
    const { resources, errors, skipped } = parseResources(`[${text}]`, 'calico.json');
    expect(resources).toEqual([]);
    expect(errors).toEqual([]);
    expect(skipped.map((s) => `${s.kind}/${s.name}`)).toEqual([
      'IPReservation/reserve-gw',
      'FelixConfiguration/default',
      'ClusterInformation/default',
    ]);
  });

  it('keeps big integers exact in YAML and JSON', () => {
    const yaml = parseResources(`kind: IPAMBlock\napiVersion: crd.projectcalico.org/v1\nmetadata: {name: b}\n` +
      'spec: {cidr: 10.0.0.0/32, allocations: [null], unallocated: [0], sequenceNumber: 1714558830123456791}\n', 'b.yaml');
    const json = parseResources('{"kind":"IPAMBlock","apiVersion":"crd.projectcalico.org/v1","metadata":{"name":"b"},' +
      '"spec":{"cidr":"10.0.0.0/32","allocations":[null],"unallocated":[0],"sequenceNumber":1714558830123456791}}', 'b.json');
    for (const { resources, errors } of [yaml, json]) {
      expect(errors).toEqual([]);
      const [block] = resources;
      expect(block?.kind === 'IPAMBlock' && block.spec.sequenceNumber).toBe(1714558830123456791n);
    }
  });

  it('reports syntax errors per document', () => {
    const text = `${POOL_YAML}---\nkind: IPPool\nspec: {cidr: [unclosed\n---${NODE_YAML}`;
    const { resources, errors } = parseResources(text, 'broken.yaml');
    expect(resources.map((r) => r.kind)).toEqual(['IPPool', 'Node']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ source: 'broken.yaml', document: 1 });
    expect(errors[0]?.issues[0]).toMatch(/^\(yaml\): /);

    const json = parseResources('{\n  "kind": "IPPool"\n  "spec": {}\n}', 'broken.json');
    expect(json.errors).toMatchObject([
      { source: 'broken.json', document: 0, issues: ["(json): expected ',' but found \"\\\"\" at line 3, column 3"] },
    ]);
  });

  it('reports documents that are not resources', () => {
    const { errors } = parseResources('just a string\n---\n- 1\n- kind: Node\n', 'odd.yaml');
    expect(errors.map((e) => e.message)).toEqual([
      'odd.yaml[0] resource: (root): expected a resource object, got string',
      'odd.yaml[1].items[0] resource: (root): expected a resource object, got number',
      'odd.yaml[1].items[1] Node: apiVersion: required; metadata: required',
    ]);
  });

  it('accepts a byte order mark and empty input', () => {
    expect(parseResources(`\uFEFF${WORKLOAD_ENDPOINT_JSON}`, 'bom.json').resources).toHaveLength(1);
    expect(parseResources(`\uFEFF${POOL_YAML}`, 'bom.yaml').resources).toHaveLength(1);
    expect(parseResources('', 'empty.yaml')).toEqual({ resources: [], errors: [], skipped: [] });
    expect(parseResources('---\n---\n', 'empty.yaml')).toEqual({ resources: [], errors: [], skipped: [] });
  });
});

describe('validateAll', () => {
  it('returns every resource when all are valid', () => {
    expect(validateAll(parseResources(POOL_YAML, 'p.yaml'))).toHaveLength(1);
  });

  it('refuses everything when anything is invalid, listing all problems', () => {
    const text = [POOL_YAML, WEP_YAML('a', '[10.0.0.0/8]'), WEP_YAML('b', '[x]')].join('---');
    const run = () => validateAll(parseResources(text, 'f.yaml'));
    expect(run).toThrow(ResourceValidationError);
    expect(run).toThrow(
      '2 invalid resources; nothing was applied:\n' +
        'f.yaml[1]: WorkloadEndpoint default/a is invalid:\n' +
        '  - spec.ipNetworks[0]: "10.0.0.0/8" must be a single address: /32 for IPv4 or /128 for IPv6, not /8\n' +
        'f.yaml[2]: WorkloadEndpoint default/b is invalid:\n' +
        '  - spec.ipNetworks[0]: "x" is not an IP address or CIDR',
    );
  });
});

describe('loadResourceFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tortie-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file and names it in errors', async () => {
    const path = join(dir, 'pods.yaml');
    writeFileSync(path, WEP_YAML('pod5', '[10.24.104.1/33]'));
    const { errors } = await loadResourceFile(path);
    expect(errors[0]?.source).toBe(path);
    expect(errors[0]?.issues).toEqual(['spec.ipNetworks[0]: "10.24.104.1/33" is not an IP address or CIDR']);
  });

  it('throws I/O errors', async () => {
    await expect(loadResourceFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('formatZodIssues', () => {
  it('formats paths and unknown keys of strict schemas', () => {
    const schema = z.strictObject({
      spec: z.strictObject({ port: z.number(), labels: z.record(z.string(), z.string()) }),
    });
    const result = schema.safeParse({ spec: { port: 'x', labels: { 'app/name': 1 }, extra: 1, more: 2 } });
    expect(formatZodIssues(result.error!)).toEqual([
      'spec.port: Invalid input: expected number, received string',
      'spec.labels["app/name"]: Invalid input: expected string, received number',
      'spec.extra: unknown field',
      'spec.more: unknown field',
    ]);
    expect(formatZodIssues(z.number().safeParse('x').error!, ['config'])).toEqual([
      'config: Invalid input: expected number, received string',
    ]);
    expect(formatZodIssues(z.number().safeParse('x').error!)).toEqual([
      '(root): Invalid input: expected number, received string',
    ]);
  });
});

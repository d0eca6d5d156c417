/** calcNodeEndpoints: this node's WorkloadEndpoints, IPv4 only, and clashes reported. */
import { describe, expect, it } from 'vitest';
import { calcNodeEndpoints } from '../../src/calc/endpoints.js';
import { parseResources, validateAll } from '../../src/model/load.js';

const wep = (name: string, nodeName: string, ips: string[], iface: string, mac?: string) => `---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: { name: ${name}, namespace: default }
spec: { node: ${nodeName}, interfaceName: ${iface}, ipNetworks: ${JSON.stringify(ips)}${mac ? `, mac: "${mac}"` : ''} }
`;

describe('calcNodeEndpoints', () => {
  it('keeps this node’s endpoints and their IPv4 addresses, with MACs when given', () => {
    const res = validateAll(parseResources(wep('b', 'n1', ['10.0.0.2/32', 'fd00::2/128'], 'calib') + wep('a', 'n1', ['10.0.0.1'], 'calia', 'AA:BB:CC:DD:EE:FF') + wep('c', 'n2', ['10.0.0.3/32'], 'calic'), 't'));
    expect(calcNodeEndpoints(res, 'n1')).toEqual({
      endpoints: [
        { name: 'default/a', ifname: 'calia', ips: ['10.0.0.1'], natIps: [], natOutgoingIps: [], mac: 'aa:bb:cc:dd:ee:ff' },
        { name: 'default/b', ifname: 'calib', ips: ['10.0.0.2'], natIps: [], natOutgoingIps: [], mac: null },
      ],
      conflicts: [],
    });
  });

  it('an IP claimed twice stays with the first endpoint by name, and the clash is reported', () => {
    const res = validateAll(parseResources(wep('z', 'n1', ['10.0.0.9/32'], 'caliz') + wep('y', 'n1', ['10.0.0.9/32'], 'caliy'), 't'));
    const out = calcNodeEndpoints(res, 'n1');
    expect(out.endpoints.map((e) => [e.name, e.ips])).toEqual([
      ['default/y', ['10.0.0.9']],
      ['default/z', []],
    ]);
    expect(out.conflicts).toEqual([{ ip: '10.0.0.9', endpoints: ['default/y', 'default/z'] }]);
  });
});

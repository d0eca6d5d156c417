import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  formatCidr,
  formatIPv6,
  hasHostBits,
  networkOf,
  parseCidr,
  parseIP,
  parseIPv4,
  parseIPv6,
} from '../../src/model/ip.js';
import { vethNameForContainer, vethNameForPod, workloadEndpointName } from '../../src/model/names.js';

describe('IP helpers', () => {
  it('parses dotted quads strictly', () => {
    expect(parseIPv4('10.24.104.1')).toBe(0x0a186801);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    for (const bad of ['010.1.1.1', '256.1.1.1', '1.2.3', '1.2.3.4.5', ' 1.2.3.4', '1.2.3.-4', '']) {
      expect(parseIPv4(bad)).toBeUndefined();
    }
  });

  it('parses and formats IPv6', () => {
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('fd00::')).toBe(0xfd00n << 112n);
    expect(parseIPv6('::ffff:1.2.3.4')).toBe(0xffff01020304n);
    expect(parseIPv6('fe80::1%eth0')).toBeUndefined();
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(formatIPv6(parseIPv6('FD5F:ABCD:0064:0:0:0:0:0')!)).toBe('fd5f:abcd:64::');
    expect(formatIPv6(parseIPv6('1:0:0:2:0:0:0:3')!)).toBe('1:0:0:2::3');
    expect(formatIPv6(parseIPv6('1:0:2:3:4:5:6:7')!)).toBe('1:0:2:3:4:5:6:7');
    expect(formatIPv6(0n)).toBe('::');
  });

  it('handles prefixes', () => {
    expect(parseCidr('10.24.104.1')).toBeUndefined();
    expect(parseCidr('10.24.104.1', { allowBareIP: true })).toEqual({ family: 4, addr: 0x0a186801n, prefixLen: 32 });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/08')).toBeUndefined();
    const node = parseCidr('192.168.1.12/24')!;
    expect(hasHostBits(node)).toBe(true);
    expect(formatCidr(networkOf(node))).toBe('192.168.1.0/24');
    expect(formatCidr(networkOf(parseCidr('fd5f:abcd:64:4f2c::1/48')!))).toBe('fd5f:abcd:64::/48');
    expect(cidrContains(node, parseIP('192.168.1.200')!)).toBe(true);
    expect(cidrContains(node, parseIP('192.168.2.1')!)).toBe(false);
  });
});

describe('Calico names (calico-formats.md §2)', () => {
  it('names workload endpoints', () => {
    expect(workloadEndpointName({ node: 'node112', orchestrator: 'k8s', pod: 'pod5', endpoint: 'eth0' })).toBe(
      'node112-k8s-pod5-eth0',
    );
    expect(workloadEndpointName({ node: 'node-2', orchestrator: 'k8s', pod: 'web-0', endpoint: 'eth0' })).toBe(
      'node--2-k8s-web--0-eth0',
    );
    expect(workloadEndpointName({ node: 'node112', orchestrator: 'cni', containerID: 'abc', endpoint: 'eth0' })).toBe(
      'node112-cni-abc-eth0',
    );
    expect(workloadEndpointName({ node: 'node112', orchestrator: 'k8s', pod: 'pod5' }, { allowPrefix: true })).toBe(
      'node112-k8s-pod5-',
    );
    expect(() => workloadEndpointName({ node: 'node112', orchestrator: 'k8s', pod: 'pod5' })).toThrow(
      'field should be assigned',
    );
    expect(() => workloadEndpointName({ node: '-n', orchestrator: 'k8s', pod: 'p', endpoint: 'e' })).toThrow(
      "field must not begin with a '-'",
    );
  });

  it('names host-side veths', () => {
    expect(vethNameForPod('namespace', 'podname', 'eni')).toBe('eni82111e10a96');
    expect(vethNameForPod('default', 'pod5')).toBe('cali8e9fad9b07c');
    expect(vethNameForPod('default', 'pod5')).toBe(
      `cali${createHash('sha1').update('default.pod5').digest('hex').slice(0, 11)}`,
    );
    expect(vethNameForContainer('8c3b1e2f6a7d4c5b9e0f')).toBe('cali8c3b1e2f6a7');
  });
});

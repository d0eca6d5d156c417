// KernelRoutes on a kernel without next hop objects (before Linux 5.3): the error names the missing
// feature, as the dataplane's other feature checks do, instead of a bare errno on every pass.
import { describe, expect, it } from 'vitest';
import { KernelRoutes, NEXTHOP_FEATURE } from '../../src/dataplane/kernel-routes.js';
import type { NativeBinding } from '../../src/native/binding.js';
import { BpfError, NotSupportedError } from '../../src/native/errors.js';

/** Just what a sync touches before it writes, with RTM_GETNEXTHOP failing as `error`. */
function kernelWithout(error: Error): NativeBinding {
  return {
    ifNameToIndex: () => 2,
    routeDump: () => [],
    nexthopDump: () => {
      throw error;
    },
  } as unknown as NativeBinding;
}

describe('KernelRoutes without next hop objects', () => {
  for (const error of [
    new NotSupportedError('RTM_GETNEXTHOP', 'RTM_GETNEXTHOP', 95, 'EOPNOTSUPP'), // an unknown rtnetlink message type
    new BpfError('RTM_GETNEXTHOP', 22, 'EINVAL'),
  ]) {
    it(`says which kernel feature is missing (${error.message})`, () => {
      const routes = new KernelRoutes(kernelWithout(error));
      let thrown: unknown;
      try {
        routes.sync('eth0', [{ cidr: '10.0.1.0/26', via: '172.16.1.1', mtu: 1450 }]);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(NotSupportedError);
      expect((thrown as NotSupportedError).hint).toBe(`the running kernel does not support ${NEXTHOP_FEATURE}`);
    });
  }
});

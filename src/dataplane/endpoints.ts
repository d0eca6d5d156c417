/**
 * Programs local workload endpoints into tt_endpoints (and attaches tt_from_wep to their
 * interfaces). Per interface the applied IP set replaces the previous one, so an endpoint that
 * lost an IP stops being reachable (and stops passing the anti-spoofing check) at that IP.
 */
import type { NativeBinding } from '../native/binding.js';
import { EpFlags, type Endpoint } from './abi.js';
import type { AttachModeOption } from './attach.js';
import { attachWorkload } from './node.js';
import { openNodeMaps } from './pinned-maps.js';

/** A workload endpoint of this node as the dataplane needs it (see calc/endpoints.ts). */
export interface DesiredEndpoint {
  /** WorkloadEndpoint name, for messages */
  name: string;
  ifname: string;
  ips: string[];
  /** those of `ips` that have floating IPs (their packets may need SNAT) */
  natIps: string[];
  /** pod MAC; null = learn it from the pod's first frame */
  mac: string | null;
}

export interface EndpointApplyReport {
  programmed: Array<{ name: string; ifname: string; ifindex: number; ips: string[] }>;
  removedIps: string[];
  /** endpoints whose interface does not exist (yet) in this namespace */
  pending: Array<{ name: string; ifname: string }>;
}

const NO_MAC = '00:00:00:00:00:00';

export function applyEndpoints(
  native: NativeBinding,
  pinDir: string,
  desired: DesiredEndpoint[],
  attachMode: AttachModeOption,
): EndpointApplyReport {
  const report: EndpointApplyReport = { programmed: [], removedIps: [], pending: [] };
  const maps = openNodeMaps(native, pinDir);
  try {
    const current = maps.endpoints.entries();
    for (const ep of desired) {
      const ifindex = native.ifNameToIndex(ep.ifname);
      if (ifindex === 0) {
        report.pending.push({ name: ep.name, ifname: ep.ifname });
        continue;
      }
      if (maps.ifstate.lookup(ifindex) === undefined) attachWorkload(native, pinDir, ep.ifname, attachMode);
      for (const [key, value] of current) {
        if (value.ifindex === ifindex && !ep.ips.includes(key.addr)) {
          maps.endpoints.delete(key);
          report.removedIps.push(key.addr);
        }
      }
      for (const ip of ep.ips) {
        const existing = maps.endpoints.lookup({ addr: ip });
        maps.endpoints.update({ addr: ip }, endpointValue(ep, ip, ifindex, existing));
      }
      report.programmed.push({ name: ep.name, ifname: ep.ifname, ifindex, ips: ep.ips });
    }
  } finally {
    maps.close();
  }
  return report;
}

export function endpointValue(ep: DesiredEndpoint, ip: string, ifindex: number, existing: Endpoint | undefined): Endpoint {
  const nat = ep.natIps.includes(ip) ? EpFlags.Nat : 0;
  if (ep.mac) return { ifindex, flags: nat, mac: ep.mac };
  // Keep a MAC the program already learned for the same interface.
  if (existing && existing.ifindex === ifindex && (existing.flags & EpFlags.LearnMac) === 0) return { ...existing, flags: nat };
  return { ifindex, flags: EpFlags.LearnMac | nat, mac: NO_MAC };
}

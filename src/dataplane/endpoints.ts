/**
 * A local workload endpoint as tt_endpoints holds it: one entry per pod IP. The set of entries is
 * reconciled per interface (dataplane/reconcile.ts), so an endpoint that lost an IP stops being
 * reachable (and stops passing the anti-spoofing check) at that IP.
 */
import { EpFlags, type Endpoint } from './abi.js';

/** A workload endpoint of this node as the dataplane needs it (see calc/endpoints.ts). */
export interface DesiredEndpoint {
  /** WorkloadEndpoint name, for messages */
  name: string;
  ifname: string;
  ips: string[];
  /** those of `ips` that have floating IPs (their packets may need SNAT) */
  natIps: string[];
  /** those of `ips` in a natOutgoing pool */
  natOutgoingIps: string[];
  /** pod MAC; null = learn it from the pod's first frame */
  mac: string | null;
}

const NO_MAC = '00:00:00:00:00:00';

/** The map value for one IP of an endpoint; `existing` is the entry there now (a learned MAC stays). */
export function endpointValue(ep: DesiredEndpoint, ip: string, ifindex: number, existing: Endpoint | undefined): Endpoint {
  const nat = (ep.natIps.includes(ip) ? EpFlags.Nat : 0) | (ep.natOutgoingIps.includes(ip) ? EpFlags.NatOut : 0);
  if (ep.mac) return { ifindex, flags: nat, mac: ep.mac };
  // Keep a MAC the program already learned for the same interface.
  if (existing && existing.ifindex === ifindex && (existing.flags & EpFlags.LearnMac) === 0) return { ...existing, flags: nat };
  return { ifindex, flags: EpFlags.LearnMac | nat, mac: NO_MAC };
}

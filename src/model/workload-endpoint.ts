// WorkloadEndpoint (projectcalico.org/v3), as the Calico CNI plugin writes it (calico-formats.md §1.5).
// Calico accepts IPv6 addresses too; they validate here and IPv4-only callers filter them out.
import { z } from 'zod';
import {
  CALICO_API_VERSION,
  emptyAsUnset,
  ipAddress,
  ipOrCidr,
  ipv4Address,
  ipv6Address,
  linuxInterfaceName,
  macAddress,
  namespacedObjectMeta,
  singleAddressCidr,
} from './common.js';
import { cidrContains, parseCidr, parseIP } from './ip.js';

const KNOWN_PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ICMP', 'ICMPV6', 'UDPLITE'];

/** numorstring.Protocol: a protocol number or name; well-known names are upper-cased like Calico does. */
const protocol = z.union([
  z.int().min(0).max(255),
  z
    .string()
    .min(1)
    .transform((name) => (KNOWN_PROTOCOLS.includes(name.toUpperCase()) ? name.toUpperCase() : name)),
]);

const port = z.int().min(0).max(65535);

export const EndpointPortSchema = z.looseObject({
  name: z.string().optional(),
  protocol: protocol.optional(),
  port,
  hostPort: port.optional(),
  hostIP: z.string().optional(),
});

export const IPNATSchema = z.looseObject({
  internalIP: ipAddress,
  externalIP: ipAddress,
});

export const WorkloadEndpointSpecSchema = z
  .looseObject({
    orchestrator: z.string().optional(),
    workload: z.string().optional(),
    node: z.string().min(1, 'must not be empty'),
    containerID: z.string().optional(),
    pod: z.string().optional(),
    endpoint: z.string().optional(),
    serviceAccountName: z.string().optional(),
    ipNetworks: z.array(singleAddressCidr).default([]),
    ipNATs: z.array(IPNATSchema).optional(),
    ipv4Gateway: emptyAsUnset(ipv4Address),
    ipv6Gateway: emptyAsUnset(ipv6Address),
    profiles: z.array(z.string()).optional(),
    interfaceName: linuxInterfaceName,
    mac: emptyAsUnset(macAddress),
    ports: z.array(EndpointPortSchema).optional(),
    allowSpoofedSourcePrefixes: z.array(ipOrCidr).optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.ipNATs === undefined) return;
    for (const { path, message } of ipNATProblems(spec.ipNetworks, spec.ipNATs)) ctx.addIssue({ code: 'custom', path, message });
  });

/**
 * What is wrong with an endpoint's ipNATs beyond their fields' own checks, each problem with its path
 * under spec: an internal and external address of different versions, or an internal address that is
 * not one of the endpoint's ipNetworks.
 */
export function ipNATProblems(
  ipNetworks: readonly string[],
  ipNATs: readonly { internalIP: string; externalIP: string }[],
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const networks = ipNetworks.flatMap((n) => parseCidr(n) ?? []);
  ipNATs.forEach((nat, i) => {
    const internal = parseIP(nat.internalIP);
    const external = parseIP(nat.externalIP);
    if (internal && external && internal.family !== external.family) {
      problems.push({ path: ['ipNATs', i, 'externalIP'], message: 'mismatched IP versions' });
    }
    // A floating IP must translate to one of the endpoint's own addresses (Calico: "NAT is not in the
    // endpoint networks").
    if (internal && !networks.some((network) => cidrContains(network, internal))) {
      problems.push({ path: ['ipNATs', i, 'internalIP'], message: `${nat.internalIP} is not one of this endpoint's ipNetworks` });
    }
  });
  return problems;
}

export const WorkloadEndpointSchema = z.looseObject({
  kind: z.literal('WorkloadEndpoint'),
  apiVersion: z.literal(CALICO_API_VERSION),
  metadata: namespacedObjectMeta,
  spec: WorkloadEndpointSpecSchema,
});

export type WorkloadEndpoint = z.infer<typeof WorkloadEndpointSchema>;
export type WorkloadEndpointSpec = z.infer<typeof WorkloadEndpointSpecSchema>;
export type IPNAT = z.infer<typeof IPNATSchema>;
export type EndpointPort = z.infer<typeof EndpointPortSchema>;

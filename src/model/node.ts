// Calico Node (projectcalico.org/v3; calico-formats.md §1.7) and what Felix derives from it: the node's
// IPv4 address/subnet (§5.2) and its VXLAN tunnel MAC (§2.3).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  CALICO_API_VERSION,
  emptyAsUnset,
  ipOrCidr,
  ipv4Address,
  ipv4InterfaceAddress,
  ipv6Address,
  ipv6InterfaceAddress,
  macAddress,
  objectMeta,
} from './common.js';
import { formatIPv4, parseCidr } from './ip.js';

export const NodeBGPSpecSchema = z.looseObject({
  // numorstring.ASNumber: a number or a dotted "1.10" string.
  asNumber: z.union([z.int().min(0), z.string()]).optional(),
  ipv4Address: emptyAsUnset(ipv4InterfaceAddress),
  ipv6Address: emptyAsUnset(ipv6InterfaceAddress),
  ipv4IPIPTunnelAddr: emptyAsUnset(ipv4Address),
  routeReflectorClusterID: z.string().optional(),
});

export const NodeAddressSchema = z.looseObject({
  address: ipOrCidr,
  type: z.string().optional(), // CalicoNodeIP, InternalIP, ExternalIP
});

export const NodeSpecSchema = z.looseObject({
  bgp: NodeBGPSpecSchema.optional(),
  ipv4VXLANTunnelAddr: emptyAsUnset(ipv4Address),
  vxlanTunnelMACAddr: emptyAsUnset(macAddress),
  ipv6VXLANTunnelAddr: emptyAsUnset(ipv6Address),
  vxlanTunnelMACAddrV6: emptyAsUnset(macAddress),
  orchRefs: z.array(z.looseObject({ nodeName: z.string().optional(), orchestrator: z.string() })).optional(),
  wireguard: z
    .looseObject({
      interfaceIPv4Address: emptyAsUnset(ipv4Address),
      interfaceIPv6Address: emptyAsUnset(ipv6Address),
    })
    .optional(),
  addresses: z.array(NodeAddressSchema).optional(),
});

export const NodeSchema = z.looseObject({
  kind: z.literal('Node'),
  apiVersion: z.literal(CALICO_API_VERSION),
  metadata: objectMeta,
  spec: NodeSpecSchema.default({}),
  status: z.looseObject({}).optional(),
});

export type CalicoNode = z.infer<typeof NodeSchema>;
export type NodeSpec = z.infer<typeof NodeSpecSchema>;

/** Felix's derived VTEP MAC: 0x66 ('f') then the first 5 bytes of sha1(name) (vxlan_resolver.go). */
export function derivedVtepMac(nodeName: string): string {
  const digest = createHash('sha1').update(nodeName).digest();
  return [0x66, ...digest.subarray(0, 5)].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** The node's VXLAN tunnel MAC: spec.vxlanTunnelMACAddr when set, otherwise Felix's derivation. */
export function vtepMacForNode(node: Pick<CalicoNode, 'metadata' | 'spec'>): string {
  return node.spec.vxlanTunnelMACAddr ?? derivedVtepMac(node.metadata.name);
}

export interface NodeIPv4 {
  ip: string;
  /** Prefix length of the node's subnet (32 when only the bare address is known). */
  prefixLen: number;
}

/**
 * The node's IPv4 address and subnet, as Felix's route resolver picks them: spec.bgp.ipv4Address when the
 * node has any BGP address; otherwise the first InternalIP, then the first ExternalIP, in spec.addresses.
 */
export function nodeIPv4(node: Pick<CalicoNode, 'spec'>): NodeIPv4 | undefined {
  const { bgp, addresses = [] } = node.spec;
  if (bgp?.ipv4Address !== undefined || bgp?.ipv6Address !== undefined) {
    return bgp.ipv4Address === undefined ? undefined : toNodeIPv4(bgp.ipv4Address);
  }
  for (const type of ['InternalIP', 'ExternalIP']) {
    for (const address of addresses) {
      if (address.type !== type) continue;
      const found = toNodeIPv4(address.address);
      if (found) return found;
    }
  }
  return undefined;
}

function toNodeIPv4(text: string): NodeIPv4 | undefined {
  const cidr = parseCidr(text, { allowBareIP: true });
  if (cidr?.family !== 4) return undefined;
  return { ip: formatIPv4(Number(cidr.addr)), prefixLen: cidr.prefixLen };
}

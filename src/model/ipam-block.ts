// IPAM blocks in their two stored forms, both normalised to one `Block` (calico-formats.md §1.3, §1.4):
//  - the etcd value `AllocationBlock` at /calico/ipam/v2/assignment/ipv4/block/<cidr>;
//  - the KDD resource `kind: IPAMBlock` (crd.projectcalico.org/v1), which users can also put in a file.
// Remote-block routes come from `affinity: host:<node>`, so that is the field callers care about most.
import { z } from 'zod';
import { CALICO_API_VERSION, CALICO_CRD_API_VERSION, networkCidr, objectMeta, stringMap, uint64 } from './common.js';
import { addressBits, formatIPv4, parseCidr } from './ip.js';

export const AllocationAttributeSchema = z.looseObject({
  handle_id: z.string().nullable().optional(),
  secondary: stringMap.nullable().optional(),
  alternateOwnerAttrs: stringMap.nullable().optional(),
});
export type AllocationAttribute = z.infer<typeof AllocationAttributeSchema>;

const AFFINITY = /^(host|virtual):.+$/;
const affinity = z
  .string()
  .nullable()
  .optional()
  .superRefine((value, ctx) => {
    if (value && !AFFINITY.test(value)) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not "host:<node>" or "virtual:<name>"` });
    }
  })
  .transform((value) => (value ? value : null));

/** The fields the etcd value and the CRD spec share. Go writes nil slices and maps as null. */
const blockFields = {
  cidr: networkCidr,
  affinity,
  allocations: z.array(z.int().min(0).nullable()),
  unallocated: z
    .array(z.int().min(0))
    .nullable()
    .transform((list) => list ?? []),
  attributes: z
    .array(AllocationAttributeSchema)
    .nullable()
    .optional()
    .transform((list) => list ?? []),
  sequenceNumberForAllocation: z
    .record(z.string(), uint64)
    .nullable()
    .optional()
    .transform((map) => map ?? {}),
  deleted: z.boolean().default(false),
};

type BlockFields = {
  cidr: string;
  allocations: (number | null)[];
  unallocated: number[];
  attributes: AllocationAttribute[];
};

/** Ordinals and attribute indexes must fit the block, or routes and ownership would be garbage. */
function checkBlockConsistency(block: BlockFields, ctx: z.RefinementCtx): void {
  const cidr = parseCidr(block.cidr);
  if (!cidr) return;
  const hostBits = addressBits(cidr.family) - cidr.prefixLen;
  if (hostBits > 16) {
    ctx.addIssue({ code: 'custom', path: ['cidr'], message: `a /${cidr.prefixLen} block is implausibly large` });
    return;
  }
  const size = 2 ** hostBits;
  if (block.allocations.length !== size) {
    ctx.addIssue({
      code: 'custom',
      path: ['allocations'],
      message: `has ${block.allocations.length} entries; a /${cidr.prefixLen} block needs ${size}`,
    });
  }
  block.allocations.forEach((attrIndex, ordinal) => {
    if (attrIndex !== null && attrIndex >= block.attributes.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['allocations', ordinal],
        message: `refers to attributes[${attrIndex}], but there are ${block.attributes.length} attributes`,
      });
    }
  });
  block.unallocated.forEach((ordinal, i) => {
    if (ordinal >= size) {
      ctx.addIssue({ code: 'custom', path: ['unallocated', i], message: `ordinal ${ordinal} is outside the block` });
    }
  });
}

/** The etcd value (Go `model.AllocationBlock`), parsed from lossless JSON. */
export const AllocationBlockValueSchema = z
  .looseObject({
    ...blockFields,
    affinity_claim_time: z.string().optional(),
    sequenceNumber: uint64,
    hostAffinity: z.string().nullable().optional(),
  })
  .superRefine(checkBlockConsistency);
export type AllocationBlockValue = z.infer<typeof AllocationBlockValueSchema>;

export const IPAMBlockSpecSchema = z
  .looseObject({
    ...blockFields,
    affinityClaimTime: z.string().optional(),
    sequenceNumber: uint64.optional().transform((n) => n ?? 0n),
    strictAffinity: z.boolean().optional(),
  })
  .superRefine(checkBlockConsistency);

/** The KDD resource. Newer Calico registers IPAMBlock under projectcalico.org/v3 too. */
export const IPAMBlockSchema = z.looseObject({
  kind: z.literal('IPAMBlock'),
  apiVersion: z.enum([CALICO_CRD_API_VERSION, CALICO_API_VERSION]),
  metadata: objectMeta,
  spec: IPAMBlockSpecSchema,
});
export type IPAMBlock = z.infer<typeof IPAMBlockSchema>;

/** One internal form for both stored forms. */
export interface Block {
  cidr: string;
  /** As stored: "host:<node>", "virtual:<name>" or null. */
  affinity: string | null;
  /** The node from a "host:<node>" affinity, else null. */
  affinityHost: string | null;
  /** Per ordinal: an index into `attributes`, or null when free. */
  allocations: (number | null)[];
  unallocated: number[];
  attributes: AllocationAttribute[];
  sequenceNumber: bigint;
  sequenceNumberForAllocation: Record<string, bigint>;
  deleted: boolean;
}

function toBlock(fields: Omit<Block, 'affinityHost'>): Block {
  const { affinity } = fields;
  return {
    cidr: fields.cidr,
    affinity,
    affinityHost: affinity?.startsWith('host:') ? affinity.slice('host:'.length) : null,
    allocations: fields.allocations,
    unallocated: fields.unallocated,
    attributes: fields.attributes,
    sequenceNumber: fields.sequenceNumber,
    sequenceNumberForAllocation: fields.sequenceNumberForAllocation,
    deleted: fields.deleted,
  };
}

export function blockFromAllocationBlock(value: AllocationBlockValue): Block {
  return toBlock(value);
}

export function blockFromIPAMBlock(resource: IPAMBlock): Block {
  return toBlock(resource.spec);
}

export interface BlockAllocation {
  ordinal: number;
  ip: string;
  attribute: AllocationAttribute | undefined;
}

/** The allocated IPv4 addresses of a block with their attributes (empty for IPv6 blocks). */
export function ipv4Allocations(block: Block): BlockAllocation[] {
  const cidr = parseCidr(block.cidr);
  if (cidr?.family !== 4) return [];
  const base = Number(cidr.addr);
  const result: BlockAllocation[] = [];
  block.allocations.forEach((attrIndex, ordinal) => {
    if (attrIndex === null) return;
    result.push({ ordinal, ip: formatIPv4(base + ordinal), attribute: block.attributes[attrIndex] });
  });
  return result;
}

/** BlockAffinity etcd value; state "" (or none) means confirmed, as ipam.go treats it. */
export const BlockAffinityValueSchema = z.looseObject({
  state: z
    .enum(['', 'pending', 'confirmed', 'pendingDeletion'])
    .optional()
    .transform((state) => (state ? state : 'confirmed')),
  deleted: z.boolean().default(false),
});
export type BlockAffinityValue = z.infer<typeof BlockAffinityValueSchema>;

// IPPool (projectcalico.org/v3, or the KDD CRD crd.projectcalico.org/v1 with the same spec), with the
// defaults Calico fills in on create (calico-formats.md §1.6).
import { z } from 'zod';
import { CALICO_API_VERSION, CALICO_CRD_API_VERSION, emptyAsUnset, networkCidr, objectMeta } from './common.js';
import { parseCidr } from './ip.js';

export const EncapModeSchema = z.enum(['Always', 'CrossSubnet', 'Never']);
export type EncapMode = z.infer<typeof EncapModeSchema>;

export const POOL_BLOCK_SIZE = {
  4: { default: 26, min: 20, max: 32 },
  6: { default: 122, min: 116, max: 128 },
} as const;

const deprecated = (replacement: string) =>
  z.undefined({ error: `is deprecated and must be unset; use ${replacement}` }).optional();

export const IPPoolSpecSchema = z
  .looseObject({
    cidr: networkCidr,
    vxlanMode: emptyAsUnset(EncapModeSchema).transform((mode) => mode ?? 'Never'),
    ipipMode: emptyAsUnset(EncapModeSchema).transform((mode) => mode ?? 'Never'),
    natOutgoing: z.boolean().default(false),
    disabled: z.boolean().default(false),
    disableBGPExport: z.boolean().default(false),
    blockSize: z.int().optional(),
    nodeSelector: z.string().default('all()'),
    namespaceSelector: z.string().optional(),
    allowedUses: z.array(z.enum(['Workload', 'Tunnel', 'LoadBalancer'])).default(['Workload', 'Tunnel']),
    assignmentMode: z.enum(['Automatic', 'Manual']).default('Automatic'),
    ipip: deprecated('ipipMode'),
    'nat-outgoing': deprecated('natOutgoing'),
  })
  .superRefine((spec, ctx) => {
    if (spec.ipipMode !== 'Never' && spec.vxlanMode !== 'Never') {
      ctx.addIssue({
        code: 'custom',
        message:
          `ipipMode (${spec.ipipMode}) and vxlanMode (${spec.vxlanMode}) cannot both be enabled; ` +
          'set one of them to Never',
      });
    }
    const cidr = parseCidr(spec.cidr);
    if (!cidr) return;
    if (cidr.family === 6 && spec.ipipMode !== 'Never') {
      ctx.addIssue({ code: 'custom', path: ['ipipMode'], message: 'IPIP is not supported on an IPv6 pool' });
    }
    const limits = POOL_BLOCK_SIZE[cidr.family];
    const blockSize = spec.blockSize ?? limits.default;
    if (blockSize < limits.min || blockSize > limits.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['blockSize'],
        message: `${blockSize} is out of range for an IPv${cidr.family} pool (${limits.min}..${limits.max})`,
      });
    } else if (!spec.disabled && cidr.prefixLen > blockSize) {
      // Calico IPAM hands out whole blocks, so an enabled pool must hold at least one.
      ctx.addIssue({
        code: 'custom',
        path: ['blockSize'],
        message: `the pool ${spec.cidr} is smaller than one /${blockSize} block`,
      });
    }
  })
  .transform((spec) => {
    const family = parseCidr(spec.cidr)?.family ?? 4;
    return { ...spec, blockSize: spec.blockSize ?? POOL_BLOCK_SIZE[family].default };
  });

export const IPPoolSchema = z.looseObject({
  kind: z.literal('IPPool'),
  apiVersion: z.enum([CALICO_API_VERSION, CALICO_CRD_API_VERSION]),
  metadata: objectMeta,
  spec: IPPoolSpecSchema,
});

export type IPPool = z.infer<typeof IPPoolSchema>;
export type IPPoolSpec = z.infer<typeof IPPoolSpecSchema>;

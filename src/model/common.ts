// Field-level zod schemas shared by the resource schemas. Messages quote the offending value so a report
// line stands on its own.
import { z } from 'zod';
import { addressBits, formatCidr, hasHostBits, networkOf, parseCidr, parseIP, parseIPv4, parseIPv4Head } from './ip.js';

export const CALICO_API_VERSION = 'projectcalico.org/v3';
export const CALICO_CRD_API_VERSION = 'crd.projectcalico.org/v1';

const quote = (value: string): string => JSON.stringify(value);

/** A string that must pass `isValid`; `explain` builds the message from the bad value. */
export function checkedString(isValid: (value: string) => boolean, explain: (value: string) => string) {
  return z.string().superRefine((value, ctx) => {
    if (!isValid(value)) ctx.addIssue({ code: 'custom', message: explain(value) });
  });
}

/** Go writes unset optional strings as "" in places; treat "" as absent before validating. */
export function emptyAsUnset<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
}

export const ipv4Address = checkedString(
  (v) => parseIPv4(v) !== undefined,
  (v) => `${quote(v)} is not an IPv4 address (a.b.c.d)`,
);

export const ipv6Address = checkedString(
  (v) => parseIP(v)?.family === 6,
  (v) => `${quote(v)} is not an IPv6 address`,
);

export const ipAddress = checkedString(
  (v) => parseIP(v) !== undefined,
  (v) => `${quote(v)} is not an IP address`,
);

/** An address with an optional prefix length, host bits allowed: a node's "192.168.1.12/24". */
export const ipv4InterfaceAddress = checkedString(
  (v) => parseCidr(v, { allowBareIP: true })?.family === 4,
  (v) => `${quote(v)} is not an IPv4 address or address/prefix (e.g. 192.168.1.12/24)`,
);

export const ipv6InterfaceAddress = checkedString(
  (v) => parseCidr(v, { allowBareIP: true })?.family === 6,
  (v) => `${quote(v)} is not an IPv6 address or address/prefix`,
);

export const ipOrCidr = checkedString(
  (v) => parseCidr(v, { allowBareIP: true }) !== undefined,
  (v) => `${quote(v)} is not an IP address or CIDR`,
);

/**
 * A network prefix (IPv4 or IPv6). Host bits are cleared, as Calico normalises pool CIDRs before storing
 * them: "10.24.1.0/16" becomes "10.24.0.0/16".
 */
export const networkCidr = z.string().transform((value, ctx) => {
  const cidr = parseCidr(value);
  if (!cidr) {
    ctx.addIssue({ code: 'custom', message: `${quote(value)} is not a CIDR (e.g. 10.24.0.0/16)` });
    return z.NEVER;
  }
  return hasHostBits(cidr) ? formatCidr(networkOf(cidr)) : value;
});

/**
 * One workload address: a /32 (IPv4) or /128 (IPv6). A bare address gets the full-length suffix, as
 * Calico's ParseCIDROrIP reads it.
 */
export const singleAddressCidr = z.string().transform((value, ctx) => {
  const cidr = parseCidr(value, { allowBareIP: true });
  if (!cidr) {
    ctx.addIssue({ code: 'custom', message: `${quote(value)} is not an IP address or CIDR` });
    return z.NEVER;
  }
  const bits = addressBits(cidr.family);
  if (cidr.prefixLen !== bits) {
    ctx.addIssue({
      code: 'custom',
      message: `${quote(value)} must be a single address: /32 for IPv4 or /128 for IPv6, not /${cidr.prefixLen}`,
    });
    return z.NEVER;
  }
  return value.includes('/') ? value : `${value}/${bits}`;
});

/** What singleAddressCidr makes of `value` when it is valid (e.g. "10.24.104.1" → "10.24.104.1/32"), else undefined. */
export function singleAddress(value: string): string | undefined {
  // the common case without building a ParsedCidr: an IPv4 address with "/32" or no suffix
  const slash = value.length - 3;
  if (value.charCodeAt(slash) === 0x2f && value.charCodeAt(slash + 1) === 0x33 && value.charCodeAt(slash + 2) === 0x32) {
    if (parseIPv4Head(value, slash) !== undefined) return value;
  } else if (parseIPv4(value) !== undefined) {
    return `${value}/32`;
  }
  const cidr = parseCidr(value, { allowBareIP: true });
  if (!cidr || cidr.prefixLen !== addressBits(cidr.family)) return undefined;
  return value.includes('/') ? value : `${value}/${cidr.prefixLen}`;
}

const MAC = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}$/;

/** aa:bb:cc:dd:ee:ff in either case; stored lower case. */
export const macAddress = z.string().transform((value, ctx) => {
  if (!MAC.test(value)) {
    ctx.addIssue({ code: 'custom', message: `${quote(value)} is not a MAC address (aa:bb:cc:dd:ee:ff)` });
    return z.NEVER;
  }
  return value.toLowerCase();
});

/** Linux dev_valid_name(): 1-15 bytes, not "." or "..", no '/', ':' or whitespace. */
export const linuxInterfaceName = z.string().superRefine((value, ctx) => {
  const problem = interfaceNameProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `${quote(value)} ${problem}` });
});

/** Why `value` is not a Linux interface name (see linuxInterfaceName), or undefined when it is one. */
export function interfaceNameProblem(value: string): string | undefined {
  // the usual name: ASCII, 1-15 characters, none of them '/', ':' or whitespace
  if (value.length > 0 && value.length <= 15 && value !== '.' && value !== '..') {
    let plain = true;
    for (let i = 0; i < value.length && plain; i++) {
      const c = value.charCodeAt(i);
      plain = c > 0x20 && c < 0x7f && c !== 0x2f && c !== 0x3a;
    }
    if (plain) return undefined;
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes === 0) return 'must not be empty';
  if (bytes > 15) return `is ${bytes} bytes long; Linux interface names are at most 15`;
  if (value === '.' || value === '..') return 'is not a valid interface name';
  if (/[/:\s]/.test(value)) return "must not contain '/', ':' or whitespace";
  return undefined;
}

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * A Go uint64 as bigint. Accepts bigint (lossless JSON/YAML), a safe-integer number or a decimal string.
 * A number beyond 2^53 is refused: it was already rounded by a plain JSON.parse.
 */
export const uint64 = z.unknown().transform((value, ctx): bigint => {
  let result: bigint | undefined;
  let problem = 'expected an unsigned 64-bit integer';
  if (value === undefined) problem = 'required';
  else if (typeof value === 'bigint') result = value;
  else if (typeof value === 'string' && /^\d+$/.test(value)) result = BigInt(value);
  else if (typeof value === 'number' && Number.isInteger(value)) {
    if (Number.isSafeInteger(value)) result = BigInt(value);
    else problem = `${value} is above 2^53 and has lost precision; parse the input with parseJsonLossless`;
  }
  if (result !== undefined && (result < 0n || result > UINT64_MAX)) {
    problem = `${result} is out of range for an unsigned 64-bit integer`;
    result = undefined;
  }
  if (result === undefined) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return result;
});

export const stringMap = z.record(z.string(), z.string());

/** Kubernetes ObjectMeta as Calico writes it; unknown fields are kept. */
export const objectMeta = z.looseObject({
  name: z.string().min(1, 'must not be empty'),
  namespace: z.string().min(1, 'must not be empty').optional(),
  generateName: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().nullable().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

/** Namespaced kinds (WorkloadEndpoint) default to the "default" namespace, as calicoctl does. */
export const namespacedObjectMeta = objectMeta.extend({
  namespace: z.string().min(1, 'must not be empty').default('default'),
});

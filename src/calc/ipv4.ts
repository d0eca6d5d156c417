/**
 * A fast path for the dotted quads the calculation reads on every pass (100,000 endpoint addresses,
 * 10,000 route CIDRs): plain decimal octets are read inline; anything unusual gives undefined, for the
 * caller to hand to the full parser (model/ip.ts), which decides.
 */

/** The address of 'a.b.c.d' or 'a.b.c.d/…' as a number (what follows a '/' is not looked at). */
export function quickAddress(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 3 || (digits === 1 && octet === 0)) return undefined; // too long, or a leading zero
      octet = octet * 10 + (c - 48);
      digits++;
    } else if (c === 46 && digits > 0 && dots < 3 && octet <= 255) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c === 47) {
      break;
    } else {
      return undefined;
    }
  }
  return dots === 3 && digits > 0 && octet <= 255 ? value * 256 + octet : undefined;
}

/** 'a.b.c.d/len' (or a bare address: /32) → address and prefix length. */
export function quickCidr(text: string): { value: number; prefixLen: number } | undefined {
  const value = quickAddress(text);
  if (value === undefined) return undefined;
  const slash = text.indexOf('/');
  if (slash < 0) return { value, prefixLen: 32 };
  let len = 0;
  const digits = text.length - slash - 1;
  if (digits < 1 || digits > 2 || (digits === 2 && text.charCodeAt(slash + 1) === 48)) return undefined;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    len = len * 10 + (c - 48);
  }
  return len <= 32 ? { value, prefixLen: len } : undefined;
}

// The one place where zod issues become text: `spec.ipNetworks[0]: <message>`, one line per problem.
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;
type PathSegment = PropertyKey;

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** `["spec", "ipNetworks", 0]` → `spec.ipNetworks[0]`; odd keys are quoted: `metadata.labels["app/x"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${typeof segment === 'symbol' ? segment.toString() : JSON.stringify(segment)}]`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * One `path: message` line per issue. `prefix` is prepended to every path (e.g. when a sub-object was
 * validated on its own). Unknown keys from strict schemas get one line each, at the key's own path.
 */
export function formatZodIssues(
  issues: z.ZodError | readonly Issue[],
  prefix: readonly PathSegment[] = [],
): string[] {
  const list = 'issues' in issues ? issues.issues : issues;
  const lines: string[] = [];
  for (const issue of list) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${formatPath([...path, key])}: unknown field`);
    } else {
      lines.push(`${formatPath(path)}: ${issue.message}`);
    }
  }
  return lines;
}

/**
 * Per-parse error map: a missing required field says "required" rather than "expected string, received
 * undefined". Pass as `schema.safeParse(value, { error: requiredFieldMessages })`.
 */
export const requiredFieldMessages: z.core.$ZodErrorMap = (issue) => {
  const missing = issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
  return missing ? 'required' : undefined;
};

// Where the built CLI is: the bundle `npm run build` makes (scripts/bundle.mjs). The tests, the lab's
// background watchers and the DaemonSet all run this file, as users do.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../dataplane/object-path.js';

/** The bundle's path, whether or not it has been built. */
export function cliEntryPath(): string {
  return join(packageRoot(), 'dist', 'bundle', 'tortie.mjs');
}

/** The bundle's path; throws, saying how to build it, when it is missing. */
export function builtCliEntry(): string {
  const path = cliEntryPath();
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` (scripts/setup.sh does)`);
  return path;
}

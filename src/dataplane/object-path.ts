/** Where the compiled BPF objects are, found from this file so it works from src/ and dist/src/. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = resolve(dir, '..');
    if (parent === dir) throw new Error('cannot find the tortie package root');
    dir = parent;
  }
  return dir;
}

export type ObjectVariant = 'tortie' | 'tortie_test';

export function objectPath(variant: ObjectVariant = 'tortie'): string {
  const path = join(packageRoot(), 'bpf', 'build', `${variant}.o`);
  if (!existsSync(path)) throw new Error(`BPF object ${path} is missing: run \`make -C bpf\` (or \`npm run build\`)`);
  return path;
}

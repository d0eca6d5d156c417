/**
 * The bundled CLI (scripts/bundle.mjs) runs from exactly the files the image's runtime stage copies
 * (deploy/Dockerfile's `COPY --from=build` lines), without node_modules: every npm dependency is in
 * the bundle, and what is read at run time (etcd3's gRPC definitions, the addon, the BPF object) is
 * among those files.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/dataplane/object-path.js';

const root = packageRoot();

/** [from, to] of each `COPY --from=build /src/<from> ./<to>` of the Dockerfile. */
function runtimeFiles(): Array<[string, string]> {
  const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
  return [...dockerfile.matchAll(/^COPY --from=build \/src\/(\S+) \.\/(\S+)$/gm)].map((m) => [m[1]!, m[2]!]);
}

describe('the bundle, as the image holds it', () => {
  let image: string;

  beforeAll(() => {
    image = mkdtempSync(join(tmpdir(), 'tortie-image-'));
    for (const [from, to] of runtimeFiles()) {
      mkdirSync(dirname(join(image, to)), { recursive: true });
      cpSync(join(root, from), join(image, to), { recursive: true });
    }
  });
  afterAll(() => rmSync(image, { recursive: true, force: true }));

  const tortie = (...args: string[]) => spawnSync(process.execPath, [join(image, 'dist', 'bundle', 'tortie.mjs'), ...args], { encoding: 'utf8', cwd: image });

  it('copies the bundle, etcd3’s definitions, the addon and the BPF object, and no node_modules', () => {
    expect(runtimeFiles().map(([, to]) => to).sort()).toEqual(
      ['build/Release/tortie_native.node', 'bpf/build/tortie.o', 'dist/bundle', 'dist/proto', 'package.json'].sort(),
    );
  });

  it('loads every command, the etcd client included', () => {
    const res = tortie('--help');
    expect(res.status, res.stderr).toBe(0);
    for (const command of ['load', 'unload', 'status', 'apply', 'bpf', 'daemon']) expect(res.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('reaches the kernel through the native addon', () => {
    const res = tortie('status', '--pin-dir', '/sys/fs/bpf/tortie/tt-image-test-none');
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/not loaded/);
  });
});

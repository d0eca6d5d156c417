/** The BPF filesystem: where Tortie pins its maps, programs and links so they outlive the CLI. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BPFFS_ROOT = '/sys/fs/bpf';
export const DEFAULT_PIN_DIR = '/sys/fs/bpf/tortie';

export function isBpffsMounted(root = BPFFS_ROOT): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => {
      const [, mountPoint, fsType] = line.split(' ');
      return mountPoint === root && fsType === 'bpf';
    });
}

/** Mounts bpffs at /sys/fs/bpf when nothing is mounted there (as systemd normally does). */
export function ensureBpffs(root = BPFFS_ROOT): void {
  if (isBpffsMounted(root)) return;
  mkdirSync(root, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'bpf', 'bpf', root], { stdio: 'pipe' });
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot mount the BPF filesystem at ${root}: ${detail ?? String(err)} (needs root; kernel with CONFIG_BPF_SYSCALL)`);
  }
}

/** The folders a Tortie instance pins into. */
export interface PinLayout {
  root: string;
  maps: string;
  progs: string;
  links: string;
}

export function pinLayout(pinDir: string): PinLayout {
  return { root: pinDir, maps: join(pinDir, 'maps'), progs: join(pinDir, 'progs'), links: join(pinDir, 'links') };
}

export function ensurePinLayout(pinDir: string): PinLayout {
  const layout = pinLayout(pinDir);
  for (const dir of [layout.maps, layout.progs, layout.links]) mkdirSync(dir, { recursive: true });
  return layout;
}

export function listPins(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Removes empty pin folders from the leaves up to and including `pinDir`. */
export function removeEmptyDirs(pinDir: string): void {
  if (!existsSync(pinDir) || !statSync(pinDir).isDirectory()) return;
  for (const entry of readdirSync(pinDir)) {
    const path = join(pinDir, entry);
    if (statSync(path).isDirectory()) removeEmptyDirs(path);
  }
  if (readdirSync(pinDir).length === 0) rmdirSync(pinDir);
}

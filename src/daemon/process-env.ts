/**
 * How the daemon's Node process runs: deploy/daemonset.yaml sets these (a test checks it), and the
 * daemon benchmark runs the daemon the same way. 8 MB semi-spaces (Node's default is 16) hold less
 * young heap between passes; two malloc arenas instead of glibc's 8 per core keep less freed native
 * memory (gRPC buffers, libbpf) in per-thread arenas. Measured together: ~30 MB less RSS.
 */
export const DAEMON_PROCESS_ENV: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--max-semi-space-size=8',
  MALLOC_ARENA_MAX: '2',
};

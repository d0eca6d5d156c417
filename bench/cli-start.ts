/**
 * How long a `tortie` command takes from `node` starting to its exit: the bundle that ships
 * (dist/bundle/tortie.mjs, scripts/bundle.mjs) against the same code unbundled (dist/src/cli/main.js,
 * tsc's output) in the same run, alternating. Two commands: `--help` (loading only) and `status` on a
 * pin folder that does not exist (loading, the native addon, one look at bpffs).
 * Run: npm run build && node dist/bench/cli-start.js [--runs 15]   (root for `status`)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cliEntryPath } from '../src/cli/entry.js';
import { packageRoot } from '../src/dataplane/object-path.js';
import { ratioTable, type Series } from './lib/stats.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const ENTRIES = { bundle: cliEntryPath(), unbundled: join(packageRoot(), 'dist', 'src', 'cli', 'main.js') };
const COMMANDS: Record<string, string[]> = {
  '--help': ['--help'],
  status: ['status', '--pin-dir', '/sys/fs/bpf/tortie/tt-bench-cli-start-none'],
};

function timeRun(entry: string, args: string[]): number {
  const t0 = performance.now();
  const res = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (res.status !== 0) throw new Error(`node ${entry} ${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return ms;
}

for (const [name, args] of Object.entries(COMMANDS)) {
  const series: Series[] = Object.keys(ENTRIES).map((entry) => ({ name: `tortie ${name}, ${entry}`, values: [] }));
  timeRun(ENTRIES.bundle, args); // the first run reads the files into the page cache
  timeRun(ENTRIES.unbundled, args);
  for (let i = 0; i < RUNS; i++) Object.values(ENTRIES).forEach((entry, j) => series[j]!.values.push(timeRun(entry, args)));
  for (const line of ratioTable(`tortie ${name}, process start to exit`, 'ms', series, [{ name: series[1]!.name, label: 'unbundled' }], false)) {
    console.log(line);
  }
}

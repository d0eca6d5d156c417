// Bundles the built CLI (dist/src/cli/main.js, from tsc) and its npm dependencies into one file,
// dist/bundle/tortie.mjs, which is what `tortie`, the DaemonSet and the tests run. Node then reads and
// compiles one file instead of resolving and loading ~400 modules: every command, the daemon's start
// included, begins ~250 ms sooner (bench/cli-start.ts measures it against the unbundled entry).
// The native addon and the BPF objects are still found from the package root at run time.
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

// Bundled CommonJS packages (etcd3, grpc-js, protobufjs) expect require, __filename and __dirname.
const banner = [
  "import { createRequire as __tortieRequire } from 'node:module';",
  "import { fileURLToPath as __tortiePath } from 'node:url';",
  "import { dirname as __tortieDirname } from 'node:path';",
  'const require = __tortieRequire(import.meta.url);',
  'const __filename = __tortiePath(import.meta.url);',
  'const __dirname = __tortieDirname(__filename);',
].join(' ');

await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/bundle/tortie.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: { js: banner },
  sourcemap: 'linked',
  logLevel: 'warning',
});
// etcd3 reads its gRPC definitions when it loads, from <its folder>/../proto: next to the bundle's folder.
cpSync(`${root}/node_modules/etcd3/proto`, `${root}/dist/proto`, { recursive: true });

/** What a command needs from the outside world, passed in so commands stay testable. */
import type { NativeBinding } from '../native/binding.js';
import { DEFAULT_PIN_DIR } from '../dataplane/bpffs.js';
import { hostname } from 'node:os';
import type { Writer } from './output.js';

export interface CliDeps {
  native(): NativeBinding;
  out: Writer;
  err: Writer;
}

export function defaultPinDir(): string {
  return process.env.TORTIE_PIN_DIR ?? DEFAULT_PIN_DIR;
}

export function defaultNodeName(): string {
  return process.env.TORTIE_NODE_NAME ?? hostname();
}

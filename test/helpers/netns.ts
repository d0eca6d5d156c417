/** Uniquely named network namespaces for one test file, always removed afterwards. */
import { randomBytes } from 'node:crypto';
import { addNetns, deleteNetns, inNetns } from '../../src/lab/netns.js';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export class TestNetns {
  private readonly created: string[] = [];

  constructor(readonly prefix: string) {}

  add(suffix: string): string {
    const name = `${this.prefix}-${suffix}`;
    addNetns(name);
    this.created.push(name);
    return name;
  }

  ip(ns: string, ...args: string[]): string {
    return inNetns(ns, ['ip', ...args]);
  }

  cleanup(): void {
    for (const name of this.created.reverse()) deleteNetns(name);
    this.created.length = 0;
  }
}

/** withExpeditedRcu against a stand-in for /sys/kernel/rcu_expedited (a temporary file). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withExpeditedRcu } from '../../src/dataplane/rcu.js';

describe('withExpeditedRcu', () => {
  let dir = '';
  let knob = '';
  const read = () => readFileSync(knob, 'utf8').trim();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tt-rcu-'));
    knob = join(dir, 'rcu_expedited');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('switches expedited grace periods on for the call only', () => {
    writeFileSync(knob, '0\n');
    expect(withExpeditedRcu(() => read(), knob)).toBe('1');
    expect(read()).toBe('0');
  });

  it('switches them off again when the call throws', () => {
    writeFileSync(knob, '0\n');
    expect(() =>
      withExpeditedRcu(() => {
        throw new Error('attach failed');
      }, knob),
    ).toThrow('attach failed');
    expect(read()).toBe('0');
  });

  it('leaves them on when someone else turned them on', () => {
    writeFileSync(knob, '1\n');
    expect(withExpeditedRcu(() => read(), knob)).toBe('1');
    expect(read()).toBe('1');
  });

  it('just runs the call without the switch', () => {
    expect(withExpeditedRcu(() => 42, join(dir, 'missing'))).toBe(42);
  });
});

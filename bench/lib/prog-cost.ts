/**
 * Per-packet program cost with BPF_PROG_TEST_RUN (the kernel times the program runs). Encapsulation
 * changes the packet on every run, so it is timed one run per call and reported net of the same
 * single-shot cost of a pass-through. (Idempotent paths use `repeat` instead: forwarding-cost.ts.)
 */
import { BpfHarness } from '../../test/helpers/bpf.js';
import { median } from './stats.js';
import type { ProgramName } from '../../src/dataplane/loader.js';

export function timeSingleShot(h: BpfHarness, program: ProgramName, frame: Uint8Array, ifindex: number, calls = 3000): number {
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) samples.push(h.run(program, frame, { ifindex, repeat: 1, headroom: 128 }).durationNs);
  return median(samples);
}

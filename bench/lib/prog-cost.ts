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

export interface Probe {
  program: ProgramName;
  frame: Uint8Array;
  ifindex: number;
}

/**
 * Median of (path − baseline) over `calls` back-to-back pairs of single runs. The VM runs the same
 * code at two speeds in stretches of a few hundred ms; pairing keeps both samples in one stretch.
 */
export function pairedSingleShot(h: BpfHarness, path: Probe, baseline: Probe, calls = 6000): { rawNs: number; netNs: number } {
  const raw: number[] = [];
  const net: number[] = [];
  const once = (p: Probe) => h.run(p.program, p.frame, { ifindex: p.ifindex, repeat: 1, headroom: 128 }).durationNs;
  for (let i = 0; i < calls; i++) {
    const b = once(baseline);
    const p = once(path);
    raw.push(p);
    net.push(p - b);
  }
  return { rawNs: median(raw), netNs: median(net) };
}

/**
 * Preloaded into a benchmark's daemon (`node --import <this file>`):
 * - $TORTIE_BENCH_CPU_PROFILE: profile it with V8's sampling profiler from its "dataplane loaded" log line
 *   on, written there (a .cpuprofile, for Chrome DevTools or speedscope) at exit. Not `--cpu-prof`: the
 *   profiler's SIGPROF interrupts the BPF verifier, which then fails the program load with EAGAIN.
 * - $TORTIE_BENCH_GC_ON_SIGUSR2 (with node --expose-gc): a full garbage collection on SIGUSR2, so that
 *   the heap the benchmark reads next is what is live.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.TORTIE_BENCH_CPU_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  let started = false;
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((...args: unknown[]) => {
    if (!started && String(args[0]).includes('"msg":"dataplane loaded"')) {
      started = true;
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: 250 });
      session.post('Profiler.start');
    }
    return write(...args);
  }) as typeof process.stdout.write;
  // An in-thread session answers synchronously, so this completes inside the exit handler.
  process.on('exit', () => {
    if (!started) return;
    session.post('Profiler.stop', (err, res) => {
      if (!err) writeFileSync(out, JSON.stringify(res.profile));
    });
  });
}

const gc = (globalThis as { gc?: () => void }).gc;
if (process.env.TORTIE_BENCH_GC_ON_SIGUSR2 && gc) process.on('SIGUSR2', () => gc());

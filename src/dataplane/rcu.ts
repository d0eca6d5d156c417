/**
 * Expedited RCU grace periods around bursts of tcx link changes.
 *
 * Creating or detaching a tcx link swaps the device's program array and waits for an RCU grace
 * period (synchronize_rcu) with the RTNL held: ~10 ms each at HZ=250, and they serialise on the
 * RTNL, so doing them from several threads gains nothing. An expedited grace period takes tens of
 * microseconds. The switch (/sys/kernel/rcu_expedited) is global, so it is turned on only for the
 * burst and turned off again after; when it is already on (a boot parameter, another process) or
 * cannot be written (read-only /sys), it is left alone and the burst simply runs at normal speed.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const RCU_EXPEDITED = '/sys/kernel/rcu_expedited';

/** Runs `fn` with expedited RCU grace periods (see above). `path` is for tests. */
export function withExpeditedRcu<T>(fn: () => T, path: string = RCU_EXPEDITED): T {
  if (!setExpedited(path)) return fn();
  try {
    return fn();
  } finally {
    tryWrite(path, '0');
  }
}

/** true if we switched it on (and so must switch it off). */
function setExpedited(path: string): boolean {
  let current: string;
  try {
    current = readFileSync(path, 'utf8').trim();
  } catch {
    return false; // no such knob (not Linux, or /sys not mounted)
  }
  return current === '0' && tryWrite(path, '1');
}

function tryWrite(path: string, value: string): boolean {
  try {
    writeFileSync(path, value);
    return true;
  } catch {
    return false; // read-only /sys in an unprivileged container: slower, not wrong
  }
}

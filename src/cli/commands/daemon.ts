/**
 * `tortie daemon --config FILE [flags]`: runs until SIGTERM/SIGINT, then stops its watchers and
 * exits 0 with the dataplane still loaded (the next start, or an upgrade, takes over hitlessly).
 */
import { Command } from 'commander';
import { Daemon } from '../../daemon/daemon.js';
import { loadDaemonConfig, type DaemonFlags } from '../../daemon/config.js';
import { jsonLogger } from '../../daemon/log.js';
import { tuneDaemonProcess } from '../../daemon/process-env.js';
import type { CliDeps } from '../context.js';

export function daemonCommand(deps: CliDeps): Command {
  return new Command('daemon')
    .description('follow a datastore (file or etcd) and keep this node’s dataplane equal to it; serves /metrics, /healthz, /readyz')
    .option('-c, --config <file>', 'YAML or JSON configuration (flags override it)')
    .option('--node <name>', 'this node’s Calico name (default: $TORTIE_NODE_NAME)')
    .option('--uplink <ifname>', 'the node’s uplink interface')
    .option('--pin-dir <dir>', 'bpffs folder for pins (default /sys/fs/bpf/tortie)')
    .option('--attach <mode>', 'auto | tcx | tc')
    .option('--bpf-object <file>', 'BPF object to load instead of the built-in one')
    .option('--listen <host:port>', 'address for /metrics, /healthz and /readyz (default 127.0.0.1:9093)')
    .option('--datastore-file <path>', 'follow a YAML/JSON file (or folder) of Calico resources')
    .option('--etcd-endpoints <urls>', 'follow Calico’s etcd datastore (comma-separated URLs)')
    .option('--debounce-ms <ms>', 'at most one recalculation per this many ms (a burst of changes is one pass)')
    .option('--log-level <level>', 'debug | info | warn | error')
    .action(async (flags: DaemonFlags) => {
      const config = await loadDaemonConfig(flags); // invalid: DaemonConfigError, exit 2
      tuneDaemonProcess();
      const log = jsonLogger(config.logLevel);
      const daemon = new Daemon(config, { native: deps.native(), log });
      const stopRequested = new Promise<string>((resolve) => {
        for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve(signal));
      });
      // A datastore that is not reachable yet keeps start() waiting: a signal must still stop it.
      const started = daemon.start().then(() => null);
      started.catch(() => {}); // handled below; once a signal won the race, a start cut short may reject
      let signal: string | null;
      try {
        signal = await Promise.race([started, stopRequested]);
        signal ??= await stopRequested;
      } catch (err) {
        log.error('cannot start', { error: err });
        await daemon.stop();
        throw err;
      }
      log.info('stopping', { signal });
      await daemon.stop();
      // A datastore client may keep a socket open for a moment; the process must not linger on it.
      setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
    });
}

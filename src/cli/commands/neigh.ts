/**
 * `tortie neigh sync [--watch]`: mirrors the uplink's kernel neighbour table into tt_neigh; with
 * --watch it stays running and applies every netlink neighbour event as it happens.
 */
import { Command } from 'commander';
import { z } from 'zod';
import { applyNeighbourEvents, mirrorNeighbours } from '../../dataplane/neighbours.js';
import { uplinkOf } from '../../dataplane/node.js';
import { openNodeMaps } from '../../dataplane/pinned-maps.js';
import { defaultPinDir, type CliDeps } from '../context.js';
import { UsageError } from '../errors.js';

const syncOptions = z.object({ pinDir: z.string(), watch: z.boolean().default(false) });

export function neighCommand(deps: CliDeps): Command {
  const neigh = new Command('neigh').description('the neighbour mirror of the uplink');
  neigh
    .command('sync')
    .description('copy the uplink’s neighbour table into tt_neigh; --watch keeps it current from netlink events')
    .option('--pin-dir <dir>', 'bpffs folder for pins', defaultPinDir())
    .option('--watch', 'keep running and follow netlink neighbour events')
    .action(async (raw) => {
      const opts = syncOptions.parse(raw);
      const native = deps.native();
      const maps = openNodeMaps(native, opts.pinDir);
      const uplink = uplinkOf(maps);
      if (!uplink) {
        maps.close();
        throw new UsageError('no uplink is loaded: run `tortie load --uplink IF` first');
      }
      // Subscribe before the dump, so no change falls between the two.
      const watcher = opts.watch
        ? native.neighWatch((events, info) => {
            if (info.overrun) mirrorNeighbours(native, maps, uplink.ifindex); // events were lost: resync
            else applyNeighbourEvents(maps, uplink.ifindex, events);
          })
        : null;
      const report = mirrorNeighbours(native, maps, uplink.ifindex);
      deps.out(`${uplink.name}: ${report.written} neighbour(s) mirrored, ${report.removed} stale removed`);
      if (!watcher) return maps.close();
      deps.out('watching netlink neighbour events (SIGTERM or SIGINT to stop)');
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      watcher.close();
      maps.close();
    });
  return neigh;
}

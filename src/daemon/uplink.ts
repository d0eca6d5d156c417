/** `uplink: auto`: the interface of the IPv4 default route, as a node's primary interface usually is. */
import { runJson } from '../util/exec.js';

export const AUTO_UPLINK = 'auto';

export function resolveUplink(uplink: string | undefined): string | undefined {
  if (uplink !== AUTO_UPLINK) return uplink;
  const routes = runJson<Array<{ dev?: string }> | null>(['ip', '-j', '-4', 'route', 'show', 'default']) ?? [];
  const dev = routes.find((r) => r.dev)?.dev;
  if (!dev) throw new Error('uplink: auto needs an IPv4 default route to find the uplink; set uplink to the interface name');
  return dev;
}

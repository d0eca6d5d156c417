/**
 * natOutgoing with the kernel's masquerade (nf_nat), driven by Tortie: one nftables table, `ip
 * tortie`, replaced in a single transaction on every change. Why the kernel and not BPF: 1:1
 * floating-IP NAT needs no state, but many pods sharing the node's address does — a port per flow,
 * chosen so that two pods using the same source port to the same server never collide, kept for
 * the flow's life, and undone for its replies and ICMP errors. nf_nat's conntrack does exactly that
 * (with random-fully port choice, as Felix's natOutgoing); pod packets that BPF does not redirect
 * reach it anyway, since they leave through the kernel's routing.
 */
import { CommandError, run, tryRun } from '../util/exec.js';
import type { NatOutgoing } from '../calc/nat-outgoing.js';

export const NFT_TABLE = 'tortie';

function ruleset(nat: NatOutgoing): string {
  const set = (name: string, cidrs: string[]) =>
    `  set ${name} { type ipv4_addr; flags interval; elements = { ${cidrs.join(', ')} } }`;
  return [
    `table ip ${NFT_TABLE} {}`,
    `delete table ip ${NFT_TABLE}`,
    `table ip ${NFT_TABLE} {`,
    set('masq_pools', nat.masqueradeFrom),
    set('all_pools', nat.pools),
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    '    ip saddr @masq_pools ip daddr != @all_pools counter masquerade fully-random',
    '  }',
    '}',
  ].join('\n');
}

/** Writes the table when a pool asks for natOutgoing, removes it otherwise. */
export function syncNatOutgoing(nat: NatOutgoing): { enabled: boolean } {
  if (nat.masqueradeFrom.length === 0) {
    removeNatOutgoing();
    return { enabled: false };
  }
  try {
    run(['nft', '-f', '-'], { input: ruleset(nat) });
  } catch (err) {
    if (err instanceof CommandError && err.status === null) {
      throw new Error(`natOutgoing needs the nft tool (Debian: apt-get install nftables) and a kernel with nf_tables + NAT: ${err.message}`);
    }
    throw err;
  }
  return { enabled: true };
}

export function removeNatOutgoing(): boolean {
  return tryRun(['nft', 'delete', 'table', 'ip', NFT_TABLE]).ok;
}

/** Packets masqueraded so far (the rule's counter), or null when the table is absent. */
export function masqueradedPackets(): number | null {
  const res = tryRun(['nft', '-j', 'list', 'table', 'ip', NFT_TABLE]);
  if (!res.ok) return null;
  const items = (JSON.parse(res.stdout) as { nftables: Array<{ rule?: { expr: Array<{ counter?: { packets: number } }> } }> }).nftables;
  return items.flatMap((i) => i.rule?.expr ?? []).find((e) => e.counter)?.counter?.packets ?? 0;
}

/** Just the BPF_PROG_TEST_RUN figures of the same-node benchmark (quick to repeat while tuning). */
import { forwardingCost } from './lib/forwarding-cost.js';

for (let i = 0; i < Number(process.argv[2] ?? 3); i++) {
  const cost = forwardingCost();
  console.log(`local forwarding ${cost.forwardNs} ns/packet, pass-through ${cost.passNs} ns/packet`);
}

/** Just the BPF_PROG_TEST_RUN figures of the same-node benchmark (quick to repeat while tuning). */
import { forwardingCost, forwardingCostLines } from './lib/forwarding-cost.js';

for (let i = 0; i < Number(process.argv[2] ?? 3); i++) {
  for (const l of forwardingCostLines(forwardingCost())) console.log(l);
}

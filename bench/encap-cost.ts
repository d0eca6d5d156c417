/** Just the BPF_PROG_TEST_RUN figures of the cross-node benchmark (quick to repeat while tuning). */
import { encapCost } from './lib/encap-cost.js';

console.log(encapCost());

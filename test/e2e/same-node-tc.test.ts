import { sameNodeSuite } from './same-node.suite.js';

// The fallback for older kernels: clsact qdisc + cls_bpf filter at Tortie's handle/priority.
sameNodeSuite('tc');

import { sameNodeSuite } from './same-node.suite.js';

// tcx links (kernel >= 6.6), pinned under links/.
sameNodeSuite('tcx');

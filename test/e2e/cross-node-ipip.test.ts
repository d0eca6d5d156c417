import { crossNodeSuite } from './cross-node.suite.js';

crossNodeSuite('ipip');

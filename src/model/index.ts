// Public surface of the data model: Calico v3 resources, IPAM blocks, lossless JSON and resource loading.
export * from './common.js';
export * from './etcd-values.js';
export * from './ip.js';
export * from './ipam-block.js';
export * from './ippool.js';
export * from './issues.js';
export * from './json.js';
export * from './load.js';
export * from './names.js';
export * from './node.js';
export * from './resources.js';
export * from './workload-endpoint.js';

/**
 * Another node's IPAM block, slimmed to what routing to that node reads (calc/routes.ts): the CIDR,
 * the affinity, and for each allocation the node of its attribute (an address borrowed by a third node
 * gets a /32 to that node). A 5,000-node cluster's blocks are ~40 MB whole, mostly handles, pod names
 * and timestamps; slim, ~10 MB. The block was validated whole before (uint64s included); a block of
 * this node, or with no host affinity, is kept whole.
 */
import type { AllocationAttribute, Block } from '../model/ipam-block.js';

const NO_ATTRIBUTE: AllocationAttribute = Object.freeze({});
/** One object per node name, shared by every attribute that names it. */
const attributeByNode = new Map<string, AllocationAttribute>();

function slimAttribute(a: AllocationAttribute): AllocationAttribute {
  const node = a.secondary?.['node'];
  if (node === undefined) return NO_ATTRIBUTE;
  let slim = attributeByNode.get(node);
  if (!slim) attributeByNode.set(node, (slim = Object.freeze({ secondary: Object.freeze({ node }) })));
  return slim;
}

export function slimRemoteBlock(block: Block, nodeName: string): Block {
  if (block.affinityHost === null || block.affinityHost === nodeName) return block;
  return {
    ...block,
    unallocated: [],
    attributes: block.attributes.map(slimAttribute),
    sequenceNumberForAllocation: {},
  };
}

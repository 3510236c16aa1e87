import type { Node, NodeAPI } from 'node-red';

/**
 * Whether a closing node was deleted from the flows, so its files may go. Node-RED closes a node it disables, or one
 * in a flow it disables, as "removed" too: only a node no longer in the flows counts as deleted.
 */
export function deletedFromFlows(RED: NodeAPI, node: Node, removed: boolean): boolean {
  if (!removed) return false;
  const id = (node as Node & { _alias?: string })._alias ?? node.id;
  let found = false;
  try {
    RED.nodes.eachNode((n) => {
      if (n.id === id) found = true;
    });
  } catch {
    return false; // cannot tell: keeping a file is better than losing it
  }
  return !found;
}

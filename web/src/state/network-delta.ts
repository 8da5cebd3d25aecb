import type { NetworkConnection, ServerFrame } from '../api/types';

type NetworkUpdate = Extract<ServerFrame, { type: 'NetworkUpdate' }>['payload'];

/**
 * The node list after a NetworkUpdate: a full frame replaces the list; a delta upserts its
 * `networks` by id and drops the `removed` ids (the server sends only what changed).
 */
export function applyNetworkUpdate(
  current: readonly NetworkConnection[] | null,
  update: NetworkUpdate,
): NetworkConnection[] {
  if (update.full || current === null) return update.networks;
  const byId = new Map(current.map((node) => [node.id, node]));
  for (const id of update.removed) byId.delete(id);
  for (const node of update.networks) byId.set(node.id, node);
  return [...byId.values()];
}

import type { NetworkConnectionJson } from '../modules/network/network.mapper';
import type { ServerMessages } from './protocol';

type NetworkUpdate = ServerMessages['NetworkUpdate'];

/**
 * One NetworkUpdate with the effect of `older` followed by `newer` (both held for a socket that
 * could not take them yet). A full frame followed by anything stays full; a delta followed by a
 * full frame is the full frame; two deltas union, the newer node state winning, and a node
 * removed then re-added (or the reverse) ends as the later of the two.
 */
export function mergeNetworkUpdates(older: NetworkUpdate, newer: NetworkUpdate): NetworkUpdate {
  if (newer.full) return newer;
  const nodes = new Map<number, NetworkConnectionJson>(older.networks.map((node) => [node.id, node]));
  const removed = new Set(older.removed);
  for (const id of newer.removed) {
    nodes.delete(id);
    if (!older.full) removed.add(id);
  }
  for (const node of newer.networks) {
    nodes.set(node.id, node);
    removed.delete(node.id);
  }
  const networks = [...nodes.values()];
  if (older.full) networks.sort((a, b) => a.id - b.id);
  return { networks, removed: older.full ? [] : [...removed], full: older.full };
}

/**
 * What changed from one list of a user's nodes to the next, as fingerprints by id (the previous
 * list) and the new list: the nodes added or changed, and the ids gone.
 */
export function diffNetworks(
  previous: ReadonlyMap<number, number>,
  next: readonly NetworkConnectionJson[],
  fingerprint: (node: NetworkConnectionJson) => number,
): { changed: NetworkConnectionJson[]; removed: number[]; fingerprints: Map<number, number> } {
  const fingerprints = new Map<number, number>();
  const changed: NetworkConnectionJson[] = [];
  for (const node of next) {
    const print = fingerprint(node);
    fingerprints.set(node.id, print);
    if (previous.get(node.id) !== print) changed.push(node);
  }
  const removed = [...previous.keys()].filter((id) => !fingerprints.has(id));
  return { changed, removed, fingerprints };
}

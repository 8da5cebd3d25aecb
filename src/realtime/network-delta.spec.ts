import type { NetworkConnectionJson } from '../modules/network/network.mapper';
import { diffNetworks, mergeNetworkUpdates } from './network-delta';

const node = (id: number, name = `n${id}`) => ({ id, network_name: name }) as NetworkConnectionJson;
const print = (n: NetworkConnectionJson) => n.network_name.length * 1000 + n.id + (n.network_name.endsWith('*') ? 0.5 : 0);

describe('mergeNetworkUpdates', () => {
  it('unions two deltas, the newer node state winning', () => {
    const merged = mergeNetworkUpdates(
      { networks: [node(1), node(2)], removed: [9], full: false },
      { networks: [node(2, 'renamed'), node(3)], removed: [8], full: false },
    );
    expect(merged).toEqual({ networks: [node(1), node(2, 'renamed'), node(3)], removed: [9, 8], full: false });
  });

  it('ends a node removed then re-added as present, and added then removed as removed', () => {
    expect(mergeNetworkUpdates({ networks: [], removed: [4], full: false }, { networks: [node(4)], removed: [], full: false })).toEqual({
      networks: [node(4)],
      removed: [],
      full: false,
    });
    expect(mergeNetworkUpdates({ networks: [node(5)], removed: [], full: false }, { networks: [], removed: [5], full: false })).toEqual({
      networks: [],
      removed: [5],
      full: false,
    });
  });

  it('keeps a full frame full, applying the delta to it', () => {
    expect(
      mergeNetworkUpdates({ networks: [node(1), node(2)], removed: [], full: true }, { networks: [node(3), node(1, 'x')], removed: [2], full: false }),
    ).toEqual({ networks: [node(1, 'x'), node(3)], removed: [], full: true });
  });

  it('lets a newer full frame replace whatever was held', () => {
    const full = { networks: [node(7)], removed: [], full: true };
    expect(mergeNetworkUpdates({ networks: [node(1)], removed: [2], full: false }, full)).toBe(full);
  });
});

describe('diffNetworks', () => {
  it('reports added and changed nodes and the ids gone', () => {
    const previous = diffNetworks(new Map(), [node(1), node(2), node(3)], print).fingerprints;
    const { changed, removed } = diffNetworks(previous, [node(1), node(2, 'n2*'), node(4)], print);
    expect(changed).toEqual([node(2, 'n2*'), node(4)]);
    expect(removed).toEqual([3]);
  });
});

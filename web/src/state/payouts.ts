import type { components } from '../api/generated/openapi';

export type SettlementEpoch = components['schemas']['SettlementEpoch'];

type Listener = (epoch: SettlementEpoch) => void;
const listeners = new Set<Listener>();

/** SettlementUpdate frames, handed to the Payouts panel (which keeps its own list). */
export function settlementUpdated(epoch: SettlementEpoch): void {
  for (const listener of listeners) listener(epoch);
}

export function onSettlementUpdate(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Newest first, one entry per epoch: a frame replaces the entry it updates. */
export function upsertEpoch(list: readonly SettlementEpoch[], epoch: SettlementEpoch): SettlementEpoch[] {
  return [epoch, ...list.filter((item) => item.epoch !== epoch.epoch)].sort((a, b) => b.epoch - a.epoch);
}

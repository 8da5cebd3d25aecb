/**
 * What feature modules announce after they commit a change. Events name the users affected and
 * carry no state: whoever pushes to sockets reads the current state, so a lost or duplicated event
 * can never show a client something wrong, only something late.
 */
export type DomainEvent =
  | { readonly type: 'earnings.changed'; readonly userIds: readonly number[] }
  | { readonly type: 'referral.changed'; readonly userIds: readonly number[] }
  | { readonly type: 'network.changed'; readonly userIds: readonly number[] }
  /** A node was deleted: its live session, if any, is closed with 4001. */
  | { readonly type: 'network.deleted'; readonly userIds: readonly number[]; readonly deviceId: string }
  /** The user's notifications changed: new ones were recorded, or some were marked read. */
  | { readonly type: 'notification.changed'; readonly userIds: readonly number[] }
  /** Sessions of the user were revoked (logout, refresh-token reuse): instances forget their status. */
  | { readonly type: 'session.revoked'; readonly userIds: readonly number[]; readonly sessionIds: readonly string[] }
  /** An epoch in which the users have an amount was settled or published (SettlementUpdate). */
  | { readonly type: 'settlement.changed'; readonly userIds: readonly number[]; readonly epoch: number }
  /** An admin disabled the user: sessions revoked, sockets closed with 4401. */
  | { readonly type: 'user.disabled'; readonly userIds: readonly number[] }
  /** A node session for (user, device) started on `instanceId`: older sessions elsewhere close with 4001. */
  | {
      readonly type: 'node.session.started';
      readonly userIds: readonly number[];
      readonly deviceId: string;
      readonly sessionId: string;
      readonly instanceId: string;
      /** When the session's Connect was accepted (ms since epoch): the newer session wins. */
      readonly startedAt: number;
    };

export type DomainEventType = DomainEvent['type'];

export function isDomainEvent(value: unknown): value is DomainEvent {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { type?: unknown; userIds?: unknown };
  return (
    typeof candidate.type === 'string' &&
    Array.isArray(candidate.userIds) &&
    candidate.userIds.every((id) => Number.isSafeInteger(id))
  );
}

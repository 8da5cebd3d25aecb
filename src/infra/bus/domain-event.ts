/**
 * What feature modules announce after they commit a change. Events name the users affected and
 * carry no state: whoever pushes to sockets reads the current state, so a lost or duplicated event
 * can never show a client something wrong, only something late. The one exception is a ledger
 * write's `credit` (below): it says what one transaction added, and who applies it checks that
 * the state it holds does not include that transaction already.
 */
export type DomainEvent =
  | { readonly type: 'earnings.changed'; readonly userIds: readonly number[]; readonly credit?: LedgerCredit }
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

/**
 * What one committed ledger transaction added to the balances of an `earnings.changed` event's
 * users, all of it into one ledger bucket: enough for a cached EarningsData read before that
 * transaction to be brought up to date without reading it again (`earnings-credit.ts`).
 */
export interface LedgerCredit {
  /** The transaction (`pg_current_xact_id()`): a read whose snapshot saw it holds the amounts already. */
  readonly tx: number;
  /** When it wrote the balances (their `updated_at`, ms since epoch). */
  readonly at: number;
  /** The ledger bucket (start, ms since epoch) every amount went into, and that bucket's epoch. */
  readonly bucket: number;
  readonly epoch: number;
  /** Micro-points per user, two per user in `userIds` order: Network, then Referral. */
  readonly amounts: readonly number[];
}

/** The user's Network and Referral micro-points of an event's credit, or undefined when it has none (or a malformed one). */
export function creditOfUser(
  event: DomainEvent,
  userId: number,
  /** Where the user is in `userIds`, when the caller knows. */
  indexHint = 0,
): { readonly credit: LedgerCredit; readonly network: number; readonly referral: number } | undefined {
  if (event.type !== 'earnings.changed' || event.credit === undefined) return undefined;
  const credit = event.credit as Partial<LedgerCredit>;
  // Events come from other instances over Redis: a credit is used only when every field is sound.
  if (!isSafeInteger(credit.tx, 1) || !isSafeInteger(credit.at, 0) || !isSafeInteger(credit.bucket, 0) || !isSafeInteger(credit.epoch, 0)) {
    return undefined;
  }
  if (!Array.isArray(credit.amounts) || credit.amounts.length !== event.userIds.length * 2) return undefined;
  // Over Redis every event is one user's; a local tap walks the users in order and says where.
  const index = event.userIds[indexHint] === userId ? indexHint : event.userIds.indexOf(userId);
  if (index < 0) return undefined;
  const network: unknown = credit.amounts[index * 2];
  const referral: unknown = credit.amounts[index * 2 + 1];
  if (!isSafeInteger(network, 0) || !isSafeInteger(referral, 0)) return undefined;
  return { credit: credit as LedgerCredit, network, referral };
}

/** The part of a many-user event that concerns one of its users (`index` in `userIds`): what each user's channel carries. */
export function eventOfUser(event: DomainEvent, index: number): DomainEvent {
  const userIds = [event.userIds[index]!];
  if (event.type !== 'earnings.changed' || event.credit === undefined) return { ...event, userIds };
  const credit = event.credit;
  return { ...event, userIds, credit: { ...credit, amounts: credit.amounts.slice(index * 2, index * 2 + 2) } };
}

/** Each of the event's users once, with where it first appears in `userIds` (for `eventOfUser`). */
export function* distinctUsersOf(event: DomainEvent): Generator<[userId: number, index: number]> {
  const seen = new Set<number>();
  for (let index = 0; index < event.userIds.length; index++) {
    const userId = event.userIds[index]!;
    if (seen.has(userId)) continue;
    seen.add(userId);
    yield [userId, index];
  }
}

function isSafeInteger(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

export function isDomainEvent(value: unknown): value is DomainEvent {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { type?: unknown; userIds?: unknown };
  return (
    typeof candidate.type === 'string' &&
    Array.isArray(candidate.userIds) &&
    candidate.userIds.every((id) => Number.isSafeInteger(id))
  );
}

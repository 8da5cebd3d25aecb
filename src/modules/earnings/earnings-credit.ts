import { exactMicroOfJson, jsonOfExactMicro, MAX_EXACT_JSON_MICRO } from '../../common/points';
import { creditOfUser, DomainEvent } from '../../infra/bus/domain-event';
import { Based } from '../../infra/cache/user-read-cache';
import { EarningsDataJson } from './earnings.mapper';

/**
 * Which transactions a read saw: PostgreSQL's snapshot of the statement (`pg_current_snapshot()`),
 * as text `xmin:xmax:xip,…`. A transaction is visible in it when it committed before: below
 * `xmin`, or below `xmax` and not among those still in progress.
 */
export interface ReadSnapshot {
  readonly xmin: number;
  readonly xmax: number;
  readonly inProgress: readonly number[];
}

/**
 * Credits applied to a cached summary, the latest first. A list that each credit extends by one
 * small node, not an array copied whole: a push pass applies one to every viewer's summary, and
 * what a credit allocates survives until the next (it sets how long scavenges take).
 */
export interface AppliedCredits {
  readonly tx: number;
  readonly count: number;
  readonly earlier: AppliedCredits | null;
}

/** What a cached EarningsData includes: the read's snapshot, and the credits applied to it since. */
export interface SummaryBasis {
  readonly snapshot: ReadSnapshot;
  readonly applied: AppliedCredits | null;
}

/** Whether credit `tx` is among those applied. */
export function hasApplied(applied: AppliedCredits | null, tx: number): boolean {
  for (let node = applied; node !== null; node = node.earlier) if (node.tx === tx) return true;
  return false;
}

/** Credits one cached summary takes before it is read again instead (each is a transaction it must remember). */
const MAX_APPLIED = 32;
const DAY_MS = 86_400_000;

/** The snapshot of `pg_current_snapshot()::text`, or undefined for anything else (or ids past 2^53). */
export function parseSnapshot(text: unknown): ReadSnapshot | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^(\d+):(\d+):([\d,]*)$/.exec(text);
  if (match === null) return undefined;
  const ids = [match[1]!, match[2]!, ...(match[3] === '' ? [] : match[3]!.split(','))].map(Number);
  if (!ids.every(Number.isSafeInteger)) return undefined;
  const [xmin, xmax, ...inProgress] = ids;
  return { xmin: xmin!, xmax: xmax!, inProgress };
}

/** Whether the read of `snapshot` saw everything transaction `tx` committed. */
export function sawTransaction(snapshot: ReadSnapshot, tx: number): boolean {
  if (tx < snapshot.xmin) return true;
  if (tx >= snapshot.xmax) return false;
  return !snapshot.inProgress.includes(tx);
}

/**
 * The cached EarningsData with an `earnings.changed` credit applied (UserReadCache's updater for
 * 'earnings'): 'held' when the read saw the credit's transaction or it was applied before, the
 * summary plus the amounts otherwise, undefined (read it again) when the event has no usable
 * credit or the summary cannot take it exactly. `now` places the bucket in today or not; the
 * cache holds a summary no longer than its UTC day and epoch, so they are the summary's own.
 */
export function applyCredit(cached: Based<unknown>, event: DomainEvent, userId: number, index: number, now: number): Based<EarningsDataJson> | 'held' | undefined {
  const user = creditOfUser(event, userId, index);
  if (user === undefined) return undefined;
  const { credit, network, referral } = user;
  const basis = cached.basis as SummaryBasis;
  if (sawTransaction(basis.snapshot, credit.tx) || hasApplied(basis.applied, credit.tx)) return 'held';
  const count = basis.applied?.count ?? 0;
  if (count >= MAX_APPLIED) return undefined;

  const summary = cached.value as EarningsDataJson;
  const todayStart = now - (now % DAY_MS); // UTC midnight: epoch milliseconds have no leap seconds
  // A bucket ahead of this instance's day or epoch (clocks apart at a boundary): read instead.
  if (credit.bucket >= todayStart + DAY_MS || credit.epoch > summary.current_epoch) return undefined;
  const amount = network + referral;
  const total = exactMicroOfJson(summary.total);
  const today = exactMicroOfJson(summary.today);
  const epoch = exactMicroOfJson(summary.epoch_total);
  const fromNetwork = exactMicroOfJson(summary.by_source.network);
  const fromReferral = exactMicroOfJson(summary.by_source.referral);
  if (total === undefined || today === undefined || epoch === undefined || fromNetwork === undefined || fromReferral === undefined) return undefined;
  if (exactMicroOfJson(summary.by_source.bonus) === undefined || Math.max(total, today, epoch, fromNetwork, fromReferral) + amount > MAX_EXACT_JSON_MICRO) return undefined;
  const updatedAt = Date.parse(summary.updated_at);
  return {
    value: {
      total: jsonOfExactMicro(total + amount),
      today: jsonOfExactMicro(today + (credit.bucket >= todayStart ? amount : 0)),
      current_epoch: summary.current_epoch,
      epoch_total: jsonOfExactMicro(epoch + (credit.epoch === summary.current_epoch ? amount : 0)),
      by_source: { network: jsonOfExactMicro(fromNetwork + network), referral: jsonOfExactMicro(fromReferral + referral), bonus: summary.by_source.bonus },
      // The balance row's updated_at is its latest writer's: the later of the two.
      updated_at: credit.at > updatedAt ? new Date(credit.at).toISOString() : summary.updated_at,
    },
    basis: { snapshot: basis.snapshot, applied: { tx: credit.tx, count: count + 1, earlier: basis.applied } },
  };
}

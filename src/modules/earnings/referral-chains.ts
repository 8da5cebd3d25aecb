import { forChunks, LoopSlicer } from '../../common/event-loop';

/** The referral that brought a user: who referred them, and that referral's row. */
export interface ReferralLink {
  readonly referralId: number;
  readonly referrerId: number;
}

/** A referral row as loaded: its referee, referrer and id, and whether it is still Pending. */
export interface ReferralLinkRow extends ReferralLink {
  readonly refereeId: number;
  /** Completed or Rewarded: it can never qualify again. */
  readonly settled: boolean;
}

/**
 * Referral chains as columns, row by row of a batch's credits: the link at `tier` of row i is
 * `referralIds[i * tiers + tier]` (the referral) and `referrerIds[i * tiers + tier]` (its
 * referrer); 0 where the chain has ended (ids start at 1).
 */
export interface ChainColumns {
  readonly tiers: number;
  readonly referralIds: Float64Array;
  readonly referrerIds: Float64Array;
}

/** Chains held as arrays of links, by user, as columns for these rows' users. */
export function chainColumnsOf(userIds: Float64Array, length: number, chains: ReadonlyMap<number, readonly ReferralLink[]>, tiers: number): ChainColumns {
  const columns = { tiers, referralIds: new Float64Array(length * tiers), referrerIds: new Float64Array(length * tiers) };
  for (let i = 0; i < length; i++) {
    const chain = chains.get(userIds[i]!) ?? [];
    for (let tier = 0; tier < tiers && tier < chain.length; tier++) {
      columns.referralIds[i * tiers + tier] = chain[tier]!.referralId;
      columns.referrerIds[i * tiers + tier] = chain[tier]!.referrerId;
    }
  }
  return columns;
}

/** Loads the referral links of these referees (users without a referrer have no row). */
export type ReferralLinkLoader = (refereeIds: readonly number[]) => Promise<readonly ReferralLinkRow[]>;

/**
 * How many users' referral links the ledger keeps in memory (entries, roughly 100 bytes each).
 * Links of users beyond it are loaded again when they earn, one query per tier.
 */
export const REFERRAL_LINK_CACHE_ENTRIES = 1_000_000;

/**
 * Each user's referral chain (their referrer, that user's referrer, …), held in memory so that a
 * flush computes commission without walking `referrals` in SQL. A user's referrer is fixed when
 * they register (the referral row is written in the registration transaction and never changes),
 * so a cached link is never stale and only the cache's size needs a bound. A user seen without a
 * referrer stays without one for the same reason. The cache also knows which of these referrals
 * are settled (no longer Pending): status only moves forward, so those never need the
 * qualification check again.
 */
export class ReferralChains {
  /** referee → the referral that brought them (null: registered without a referrer). */
  private readonly links = new Map<number, ReferralLink | null>();
  /** Referees (of cached links) whose referral is known to be Completed or Rewarded. */
  private readonly settled = new Set<number>();

  constructor(
    private readonly loadLinks: ReferralLinkLoader,
    private readonly capacity: number = REFERRAL_LINK_CACHE_ENTRIES,
  ) {}

  get size(): number {
    return this.links.size;
  }

  /**
   * False when this user's referral certainly cannot qualify any more: they have no referrer, or
   * their referral is known to be settled. True when it may still be Pending (or is not cached).
   * Another instance may settle a referral unseen; that only costs it a needless check.
   */
  mayQualify(userId: number): boolean {
    return this.links.get(userId) !== null && !this.settled.has(userId);
  }

  /** These referees' referrals were settled (by a committed transaction). */
  markSettled(refereeIds: readonly number[]): void {
    for (const userId of refereeIds) {
      if (this.links.get(userId)) this.settled.add(userId);
    }
  }

  /**
   * The chains of these users, up to `tiers` links each (nearest referrer first). Links the cache
   * lacks are loaded, one query per tier; the chains are assembled from the links gathered by this
   * call, so an eviction meanwhile cannot cut one short.
   */
  async chainsOf(userIds: readonly number[], tiers: number): Promise<Map<number, ReferralLink[]>> {
    // Warm path: one pass that assembles each chain from the cache; only users with a link
    // missing somewhere in their chain go through the loading below.
    const chains = new Map<number, ReferralLink[]>();
    const incomplete = new Set<number>();
    const slicer = new LoopSlicer();
    for (const userId of userIds) {
      if (slicer.due()) await slicer.yield();
      if (chains.has(userId)) continue;
      const chain: ReferralLink[] = [];
      let link = this.links.get(userId);
      while (link && chain.length < tiers) {
        chain.push(link);
        link = this.links.get(link.referrerId);
      }
      // undefined: a link the cache lacks (null: the chain ends there, a user without a referrer).
      if (link === undefined && chain.length < tiers) incomplete.add(userId);
      else chains.set(userId, chain);
    }
    if (incomplete.size === 0) return chains;
    for (const [userId, chain] of await this.load([...incomplete], tiers, slicer)) chains.set(userId, chain);
    return chains;
  }

  /**
   * `chainsOf` as columns, for the rows of a batch's credits (`userIds`, in user order: a user's
   * rows are next to each other). The warm path writes links straight into the columns: no array
   * per user; users with a link missing go through `chainsOf`'s loading.
   */
  async columnsOf(userIds: Float64Array, length: number, tiers: number): Promise<ChainColumns> {
    const referralIds = new Float64Array(length * tiers);
    const referrerIds = new Float64Array(length * tiers);
    const incomplete: number[] = [];
    const slicer = new LoopSlicer();
    const warm = (start: number, end: number): void => {
      for (let i = start; i < end; i++) {
        const base = i * tiers;
        if (i > 0 && userIds[i] === userIds[i - 1]) {
          if (incomplete.at(-1) === i - 1) {
            incomplete.push(i);
            continue;
          }
          referralIds.copyWithin(base, base - tiers, base);
          referrerIds.copyWithin(base, base - tiers, base);
          continue;
        }
        let link = this.links.get(userIds[i]!);
        let tier = 0;
        while (link && tier < tiers) {
          referralIds[base + tier] = link.referralId;
          referrerIds[base + tier++] = link.referrerId;
          link = this.links.get(link.referrerId);
        }
        // undefined: a link the cache lacks (null: the chain ends there, a user without a referrer).
        if (link === undefined && tier < tiers) incomplete.push(i);
      }
    };
    await forChunks(length, warm, slicer);
    if (incomplete.length > 0) {
      const loaded = await this.load(
        [...new Set(incomplete.map((i) => userIds[i]!))],
        tiers,
        slicer,
      );
      for (const i of incomplete) {
        if (slicer.due()) await slicer.yield();
        const chain = loaded.get(userIds[i]!)!;
        for (let tier = 0; tier < tiers; tier++) {
          referralIds[i * tiers + tier] = chain[tier]?.referralId ?? 0;
          referrerIds[i * tiers + tier] = chain[tier]?.referrerId ?? 0;
        }
      }
    }
    return { tiers, referralIds, referrerIds };
  }

  /** The chains of these distinct users, loading the links the cache lacks one tier at a time. */
  private async load(distinct: readonly number[], tiers: number, slicer: LoopSlicer): Promise<Map<number, ReferralLink[]>> {
    const gathered = new Map<number, ReferralLink | null>();
    let frontier = [...distinct];
    for (let tier = 0; tier < tiers && frontier.length > 0; tier++) {
      const missing: number[] = [];
      for (const userId of frontier) {
        if (slicer.due()) await slicer.yield();
        if (gathered.has(userId)) continue;
        const link = this.links.get(userId);
        if (link === undefined) missing.push(userId);
        else gathered.set(userId, link);
      }
      if (missing.length > 0) {
        const rows = await this.loadLinks(missing);
        const byReferee = new Map<number, ReferralLinkRow>();
        for (const row of rows) {
          if (slicer.due()) await slicer.yield();
          byReferee.set(row.refereeId, row);
        }
        for (const userId of missing) {
          if (slicer.due()) await slicer.yield();
          const row = byReferee.get(userId);
          const link = row === undefined ? null : { referralId: row.referralId, referrerId: row.referrerId };
          gathered.set(userId, link);
          this.remember(userId, link, row?.settled ?? false);
        }
      }
      const next = new Set<number>();
      for (const userId of frontier) {
        if (slicer.due()) await slicer.yield();
        const link = gathered.get(userId);
        if (link) next.add(link.referrerId);
      }
      frontier = [...next];
    }

    const chains = new Map<number, ReferralLink[]>();
    for (const userId of distinct) {
      if (slicer.due()) await slicer.yield();
      const chain: ReferralLink[] = [];
      for (let link = gathered.get(userId); link && chain.length < tiers; link = gathered.get(link.referrerId)) {
        chain.push(link);
      }
      chains.set(userId, chain);
    }
    return chains;
  }

  private remember(userId: number, link: ReferralLink | null, settled: boolean): void {
    // Oldest-inserted out first: a bound on memory, not a recency policy.
    if (this.links.size >= this.capacity) {
      const oldest = this.links.keys().next();
      if (!oldest.done) {
        this.links.delete(oldest.value);
        this.settled.delete(oldest.value);
      }
    }
    this.links.set(userId, link);
    if (settled) this.settled.add(userId);
  }
}

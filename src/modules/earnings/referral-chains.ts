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
 * How many users' referral links the ledger keeps in memory. Users with an id below it are held
 * in typed columns indexed by id (17 bytes each, grown as ids are seen: serial ids make them
 * dense); others in a map (roughly 100 bytes each), oldest out first once the whole cache holds
 * this many. Links of users beyond it are loaded again when they earn, one query per tier.
 */
export const REFERRAL_LINK_CACHE_ENTRIES = 1_000_000;

/** `DenseLinks.state` per user id. */
const UNKNOWN = 0;
const LINKED = 1;
const NO_REFERRER = 2;
/** With LINKED: the referral is Completed or Rewarded. */
const SETTLED = 4;

/** Links of users with ids below a bound, as columns indexed by user id. */
class DenseLinks {
  state = new Uint8Array(0);
  referralIds = new Float64Array(0);
  referrerIds = new Float64Array(0);
  count = 0;

  constructor(readonly limit: number) {}

  holds(userId: number): boolean {
    return userId > 0 && userId < this.limit && Number.isInteger(userId);
  }

  get(userId: number): ReferralLink | null | undefined {
    const state = this.state[userId] ?? UNKNOWN;
    if (state === UNKNOWN) return undefined;
    if (state === NO_REFERRER) return null;
    return { referralId: this.referralIds[userId]!, referrerId: this.referrerIds[userId]! };
  }

  set(userId: number, link: ReferralLink | null, settled: boolean): void {
    if (userId >= this.state.length) this.grow(userId);
    if (this.state[userId] === UNKNOWN) this.count++;
    if (link === null) {
      this.state[userId] = NO_REFERRER;
      return;
    }
    this.state[userId] = settled ? LINKED | SETTLED : LINKED;
    this.referralIds[userId] = link.referralId;
    this.referrerIds[userId] = link.referrerId;
  }

  private grow(userId: number): void {
    const length = Math.min(this.limit, Math.max(1_024, 2 ** Math.ceil(Math.log2(userId + 1))));
    const state = new Uint8Array(length);
    const referralIds = new Float64Array(length);
    const referrerIds = new Float64Array(length);
    state.set(this.state);
    referralIds.set(this.referralIds);
    referrerIds.set(this.referrerIds);
    this.state = state;
    this.referralIds = referralIds;
    this.referrerIds = referrerIds;
  }
}

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
  /** Users with ids below the capacity: typed columns, no object per link (see DenseLinks). */
  private readonly dense: DenseLinks;
  /** Other referees → the referral that brought them (null: registered without a referrer). */
  private readonly links = new Map<number, ReferralLink | null>();
  /** Referees (of links in `links`) whose referral is known to be Completed or Rewarded. */
  private readonly settled = new Set<number>();

  constructor(
    private readonly loadLinks: ReferralLinkLoader,
    private readonly capacity: number = REFERRAL_LINK_CACHE_ENTRIES,
  ) {
    this.dense = new DenseLinks(capacity);
  }

  get size(): number {
    return this.dense.count + this.links.size;
  }

  /** The cached link of this user (null: no referrer; undefined: not cached). */
  private linkOf(userId: number): ReferralLink | null | undefined {
    return this.dense.holds(userId) ? this.dense.get(userId) : this.links.get(userId);
  }

  /**
   * False when this user's referral certainly cannot qualify any more: they have no referrer, or
   * their referral is known to be settled. True when it may still be Pending (or is not cached).
   * Another instance may settle a referral unseen; that only costs it a needless check.
   */
  mayQualify(userId: number): boolean {
    if (this.dense.holds(userId)) {
      const state = this.dense.state[userId] ?? UNKNOWN;
      return state !== NO_REFERRER && (state & SETTLED) === 0;
    }
    return this.links.get(userId) !== null && !this.settled.has(userId);
  }

  /** These referees' referrals were settled (by a committed transaction). */
  markSettled(refereeIds: readonly number[]): void {
    for (const userId of refereeIds) {
      if (this.dense.holds(userId)) {
        if (this.dense.state[userId] === LINKED) this.dense.state[userId] = LINKED | SETTLED;
      } else if (this.links.get(userId)) {
        this.settled.add(userId);
      }
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
      let link = this.linkOf(userId);
      while (link && chain.length < tiers) {
        chain.push(link);
        link = this.linkOf(link.referrerId);
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
    const dense = this.dense;
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
        // Dense ids read the columns (no lookup, no object); others go through the map.
        let userId = userIds[i]!;
        let tier = 0;
        let missing = false;
        while (tier < tiers) {
          if (dense.holds(userId)) {
            const state = dense.state[userId] ?? UNKNOWN;
            if (state === UNKNOWN) missing = true;
            if (state === UNKNOWN || state === NO_REFERRER) break;
            referralIds[base + tier] = dense.referralIds[userId]!;
            userId = referrerIds[base + tier++] = dense.referrerIds[userId]!;
          } else {
            const link = this.links.get(userId);
            if (link === undefined) missing = true;
            if (!link) break;
            referralIds[base + tier] = link.referralId;
            userId = referrerIds[base + tier++] = link.referrerId;
          }
        }
        // A link the cache lacks (not a chain that ends: a user without a referrer).
        if (missing) incomplete.push(i);
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
      const current = frontier;
      await forChunks(
        current.length,
        (start, end) => {
          for (let i = start; i < end; i++) {
            const userId = current[i]!;
            if (gathered.has(userId)) continue;
            const link = this.linkOf(userId);
            if (link === undefined) missing.push(userId);
            else gathered.set(userId, link);
          }
        },
        slicer,
      );
      if (missing.length > 0) {
        const rows = await this.loadLinks(missing);
        const byReferee = new Map<number, ReferralLinkRow>();
        await forChunks(
          rows.length,
          (start, end) => {
            for (let i = start; i < end; i++) byReferee.set(rows[i]!.refereeId, rows[i]!);
          },
          slicer,
        );
        await forChunks(
          missing.length,
          (start, end) => {
            for (let i = start; i < end; i++) {
              const userId = missing[i]!;
              const row = byReferee.get(userId);
              const link = row === undefined ? null : { referralId: row.referralId, referrerId: row.referrerId };
              gathered.set(userId, link);
              this.remember(userId, link, row?.settled ?? false);
            }
          },
          slicer,
        );
      }
      const next = new Set<number>();
      await forChunks(
        current.length,
        (start, end) => {
          for (let i = start; i < end; i++) {
            const link = gathered.get(current[i]!);
            if (link) next.add(link.referrerId);
          }
        },
        slicer,
      );
      frontier = [...next];
    }

    const chains = new Map<number, ReferralLink[]>();
    await forChunks(
      distinct.length,
      (start, end) => {
        for (let i = start; i < end; i++) {
          const chain: ReferralLink[] = [];
          for (let link = gathered.get(distinct[i]!); link && chain.length < tiers; link = gathered.get(link.referrerId)) {
            chain.push(link);
          }
          chains.set(distinct[i]!, chain);
        }
      },
      slicer,
    );
    return chains;
  }

  private remember(userId: number, link: ReferralLink | null, settled: boolean): void {
    // Oldest-inserted map link out first: a bound on memory, not a recency policy. Dense links stay
    // (ids below the capacity: fewer than it); when they fill the whole bound, a map link is not kept.
    const dense = this.dense.holds(userId);
    if (this.size >= this.capacity && !(dense && this.dense.get(userId) !== undefined)) {
      const oldest = this.links.keys().next();
      if (!oldest.done) {
        this.links.delete(oldest.value);
        this.settled.delete(oldest.value);
      } else if (!dense) {
        return;
      }
    }
    if (dense) {
      this.dense.set(userId, link, settled);
      return;
    }
    this.links.set(userId, link);
    if (settled) this.settled.add(userId);
  }
}

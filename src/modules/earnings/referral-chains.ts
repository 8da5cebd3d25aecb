import { distinctInSlices, forChunks, LoopSlicer } from '../../common/event-loop';

/** The referral that brought a user: who referred them, and that referral's row. */
export interface ReferralLink {
  readonly referralId: number;
  readonly referrerId: number;
}

/**
 * Referral rows as loaded, as columns: row i is referral `referralIds[i]`, which brought referee
 * `refereeIds[i]` to referrer `referrerIds[i]`; `settled[i]` is 1 when it is Completed or Rewarded
 * (it can never qualify again). A million links cost four typed arrays, no object each.
 */
export interface ReferralLinkColumns {
  readonly length: number;
  readonly referralIds: Float64Array;
  readonly referrerIds: Float64Array;
  readonly refereeIds: Float64Array;
  readonly settled: Uint8Array;
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
export type ReferralLinkLoader = (refereeIds: Float64Array) => Promise<ReferralLinkColumns>;

/**
 * Referees whose links one query loads at most: a cold flush of a million users asks in queries
 * of this many (in id order), so no one result (its text, its parsing) blocks the event loop for
 * long or holds all of them in memory at once.
 */
export const REFERRAL_LINK_QUERY_USERS = 32_768;

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

  /** Stores a user's link; referral id 0: registered without a referrer. */
  set(userId: number, referralId: number, referrerId: number, settled: boolean): void {
    if (userId >= this.state.length) this.grow(userId);
    if (this.state[userId] === UNKNOWN) this.count++;
    if (referralId === 0) {
      this.state[userId] = NO_REFERRER;
      return;
    }
    this.state[userId] = settled ? LINKED | SETTLED : LINKED;
    this.referralIds[userId] = referralId;
    this.referrerIds[userId] = referrerId;
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
    const users = Float64Array.from(incomplete);
    const loaded = await this.load(users, users.length, tiers, slicer);
    for (let i = 0; i < users.length; i++) {
      if (slicer.due()) await slicer.yield();
      const chain: ReferralLink[] = [];
      for (let at = i * tiers; chain.length < tiers && loaded.referralIds[at] !== 0; at++) {
        chain.push({ referralId: loaded.referralIds[at]!, referrerId: loaded.referrerIds[at]! });
      }
      chains.set(users[i]!, chain);
    }
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
    // Rows with a link missing somewhere in their chain (ascending).
    const incomplete = new Uint32Array(length);
    let incompleteCount = 0;
    const slicer = new LoopSlicer();
    const dense = this.dense;
    const warm = (start: number, end: number): void => {
      for (let i = start; i < end; i++) {
        const base = i * tiers;
        if (i > 0 && userIds[i] === userIds[i - 1]) {
          if (incompleteCount > 0 && incomplete[incompleteCount - 1] === i - 1) {
            incomplete[incompleteCount++] = i;
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
        if (missing) incomplete[incompleteCount++] = i;
      }
    };
    await forChunks(length, warm, slicer);
    if (incompleteCount > 0) await this.completeRows(userIds, incomplete.subarray(0, incompleteCount), { tiers, referralIds, referrerIds }, slicer);
    return { tiers, referralIds, referrerIds };
  }

  /**
   * Fills in the chains of these rows (`rows`: ascending row indices, a user's rows next to each
   * other) by loading the links the cache lacks: each user once, however many rows they have.
   */
  private async completeRows(userIds: Float64Array, rows: Uint32Array, into: ChainColumns, slicer: LoopSlicer): Promise<void> {
    const { tiers, referralIds, referrerIds } = into;
    // The rows' users, each once (a user's rows are adjacent), and each row's index among them.
    const users = new Float64Array(rows.length);
    const userOfRow = new Uint32Array(rows.length);
    let userCount = 0;
    await forChunks(
      rows.length,
      (start, end) => {
        for (let k = start; k < end; k++) {
          const userId = userIds[rows[k]!]!;
          if (userCount === 0 || users[userCount - 1] !== userId) users[userCount++] = userId;
          userOfRow[k] = userCount - 1;
        }
      },
      slicer,
    );
    const loaded = await this.load(users, userCount, tiers, slicer);
    await forChunks(
      rows.length,
      (start, end) => {
        for (let k = start; k < end; k++) {
          const from = userOfRow[k]! * tiers;
          const to = rows[k]! * tiers;
          referralIds.set(loaded.referralIds.subarray(from, from + tiers), to);
          referrerIds.set(loaded.referrerIds.subarray(from, from + tiers), to);
        }
      },
      slicer,
    );
  }

  /**
   * The chains of `users[0 … count)` (each user's row of the result is its index), up to `tiers`
   * links, loading the links the cache lacks one tier at a time: every user of a tier whose link
   * is unknown, each once, in id order (`loadMissing`). Columns throughout (a cold flush of a
   * million users would otherwise build maps and sets of a million entries, whose rehashing alone
   * blocks the event loop for a tenth of a second at a time).
   */
  private async load(users: Float64Array, count: number, tiers: number, slicer: LoopSlicer): Promise<ChainColumns> {
    const referralIds = new Float64Array(count * tiers);
    const referrerIds = new Float64Array(count * tiers);
    // Links of users beyond the dense columns as this call found them, so that an eviction meanwhile
    // cannot cut a chain short (dense links are never evicted: they are read from the cache).
    const gathered = new Map<number, ReferralLink | null>();
    // The user whose link is the next tier of each chain; 0 once that chain has ended.
    const next = users.slice(0, count);
    const missing = new Float64Array(count);
    const dense = this.dense;
    for (let tier = 0; tier < tiers; tier++) {
      let missingCount = 0;
      await forChunks(
        count,
        (start, end) => {
          for (let i = start; i < end; i++) {
            const userId = next[i]!;
            if (userId !== 0 && !this.gather(userId, gathered)) missing[missingCount++] = userId;
          }
        },
        slicer,
      );
      if (missingCount > 0) await this.loadMissing(await distinctInSlices(missing, missingCount, slicer), gathered, slicer);
      let open = 0;
      await forChunks(
        count,
        (start, end) => {
          for (let i = start; i < end; i++) {
            const userId = next[i]!;
            if (userId === 0) continue;
            const at = i * tiers + tier;
            if (dense.holds(userId)) {
              if (((dense.state[userId] ?? UNKNOWN) & LINKED) === 0) {
                next[i] = 0;
                continue;
              }
              referralIds[at] = dense.referralIds[userId]!;
              next[i] = referrerIds[at] = dense.referrerIds[userId]!;
            } else {
              const link = gathered.get(userId);
              if (!link) {
                next[i] = 0;
                continue;
              }
              referralIds[at] = link.referralId;
              next[i] = referrerIds[at] = link.referrerId;
            }
            open++;
          }
        },
        slicer,
      );
      if (open === 0) break;
    }
    return { tiers, referralIds, referrerIds };
  }

  /**
   * Whether this user's link is known: in the dense columns, or gathered by this call; a link the
   * map holds is gathered (kept for this call) on the way.
   */
  private gather(userId: number, gathered: Map<number, ReferralLink | null>): boolean {
    if (this.dense.holds(userId)) return (this.dense.state[userId] ?? UNKNOWN) !== UNKNOWN;
    if (gathered.has(userId)) return true;
    const link = this.links.get(userId);
    if (link === undefined) return false;
    gathered.set(userId, link);
    return true;
  }

  /**
   * Loads and remembers the links of these users (distinct, ascending), REFERRAL_LINK_QUERY_USERS
   * at a time; a user without a row registered without a referrer.
   */
  private async loadMissing(userIds: Float64Array, gathered: Map<number, ReferralLink | null>, slicer: LoopSlicer): Promise<void> {
    for (let from = 0; from < userIds.length; from += REFERRAL_LINK_QUERY_USERS) {
      const asked = userIds.subarray(from, Math.min(userIds.length, from + REFERRAL_LINK_QUERY_USERS));
      const rows = await this.loadLinks(asked);
      await forChunks(
        rows.length,
        (start, end) => {
          for (let i = start; i < end; i++) {
            const refereeId = rows.refereeIds[i]!;
            const referralId = rows.referralIds[i]!;
            const referrerId = rows.referrerIds[i]!;
            this.remember(refereeId, referralId, referrerId, rows.settled[i] === 1);
            if (!this.dense.holds(refereeId)) gathered.set(refereeId, { referralId, referrerId });
          }
        },
        slicer,
      );
      await forChunks(
        asked.length,
        (start, end) => {
          for (let i = start; i < end; i++) {
            const userId = asked[i]!;
            if (this.gather(userId, gathered)) continue;
            this.remember(userId, 0, 0, false);
            gathered.set(userId, null);
          }
        },
        slicer,
      );
    }
  }

  /** Keeps a user's link (referral id 0: registered without a referrer) within the cache's bound. */
  private remember(userId: number, referralId: number, referrerId: number, settled: boolean): void {
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
      this.dense.set(userId, referralId, referrerId, settled);
      return;
    }
    this.links.set(userId, referralId === 0 ? null : { referralId, referrerId });
    if (settled) this.settled.add(userId);
  }
}

import { sql } from './sql';

export interface LedgerMismatch {
  user_id: number;
  source: string;
  balance: string;
  rows: string;
}

/**
 * The ledger invariant of API.md, checked in SQL: every user's totals by source equal the sum of
 * their earnings rows, exactly. Returns the mismatches (none when the ledger is sound).
 */
export async function ledgerMismatches(databaseUrl: string): Promise<LedgerMismatch[]> {
  return sql<LedgerMismatch>(
    databaseUrl,
    `WITH sums AS (
       SELECT user_id,
              COALESCE(sum(amount) FILTER (WHERE source = 'Network'), 0) AS network,
              COALESCE(sum(amount) FILTER (WHERE source = 'Referral'), 0) AS referral,
              COALESCE(sum(amount) FILTER (WHERE source = 'Bonus'), 0) AS bonus
         FROM earnings GROUP BY user_id
     ),
     joined AS (
       SELECT COALESCE(b.user_id, s.user_id) AS user_id,
              COALESCE(b.network, 0) AS b_network, COALESCE(s.network, 0) AS s_network,
              COALESCE(b.referral, 0) AS b_referral, COALESCE(s.referral, 0) AS s_referral,
              COALESCE(b.bonus, 0) AS b_bonus, COALESCE(s.bonus, 0) AS s_bonus
         FROM user_balances b FULL JOIN sums s ON s.user_id = b.user_id
     )
     SELECT user_id, 'Network' AS source, b_network::text AS balance, s_network::text AS rows FROM joined WHERE b_network <> s_network
     UNION ALL
     SELECT user_id, 'Referral', b_referral::text, s_referral::text FROM joined WHERE b_referral <> s_referral
     UNION ALL
     SELECT user_id, 'Bonus', b_bonus::text, s_bonus::text FROM joined WHERE b_bonus <> s_bonus`,
  );
}

/**
 * Referral accounting, checked in SQL: what each referrer was credited as Referral commission
 * plus referral bonuses equals the `points` of their direct referrals.
 */
export async function referralMismatches(databaseUrl: string): Promise<Array<{ user_id: number; credited: string; attributed: string }>> {
  return sql(
    databaseUrl,
    `WITH credited AS (
       SELECT user_id, sum(amount) AS amount FROM earnings
        WHERE source = 'Referral' OR (source = 'Bonus' AND ref LIKE 'referral:%') GROUP BY user_id
     ),
     attributed AS (SELECT referrer_id AS user_id, sum(points) AS amount FROM referrals GROUP BY referrer_id)
     SELECT COALESCE(c.user_id, a.user_id) AS user_id, COALESCE(c.amount, 0)::text AS credited,
            COALESCE(a.amount, 0)::text AS attributed
       FROM credited c FULL JOIN attributed a ON a.user_id = c.user_id
      WHERE COALESCE(c.amount, 0) <> COALESCE(a.amount, 0)`,
  );
}

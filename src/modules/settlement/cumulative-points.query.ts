import { EntityManager } from 'typeorm';
import { MicroPoints, parseMicroPoints } from '../../common/points';

export interface CumulativePoints {
  readonly userId: number;
  readonly wallet: string | null;
  readonly micro: MicroPoints;
}

/**
 * Every user with a linked wallet or an address in an earlier tree, with everything they earned
 * up to `epochEnd`: their running totals minus the rows stamped at or after it (ledger buckets
 * never span an epoch boundary, so these are exactly the later epochs' rows, few and indexed).
 * One statement, so one snapshot. The only place settlement reads the ledger's storage: a change
 * of its representation (NUMERIC → integer micro-points) changes this query alone.
 */
export async function cumulativePointsAt(manager: EntityManager, epochEnd: Date): Promise<CumulativePoints[]> {
  const rows = (await manager.query(
    `SELECT u.id AS user_id, u.wallet_address,
            ((COALESCE(b.network, 0) + COALESCE(b.referral, 0) + COALESCE(b.bonus, 0)) - COALESCE(l.later, 0))::text AS points
       FROM users u
       LEFT JOIN user_balances b ON b.user_id = u.id
       LEFT JOIN (SELECT user_id, SUM(amount) AS later FROM earnings WHERE "timestamp" >= $1 GROUP BY user_id) l ON l.user_id = u.id
      WHERE u.wallet_address IS NOT NULL OR EXISTS (SELECT 1 FROM settlement_accounts a WHERE a.user_id = u.id)
      ORDER BY u.id`,
    [epochEnd],
  )) as Array<{ user_id: string | number; wallet_address: string | null; points: string }>;
  return rows.map((row) => ({ userId: Number(row.user_id), wallet: row.wallet_address, micro: parseMicroPoints(row.points) }));
}

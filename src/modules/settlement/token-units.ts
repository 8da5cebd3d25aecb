import { MicroPoints } from '../../common/points';

/** Micro-points per point: points carry 6 decimals. */
const POINT_DECIMALS = 6;

/**
 * Token units (the ERC-20's smallest unit) for micro-points, one point being one whole token of
 * `decimals` decimals. Exact bigint arithmetic; with fewer than 6 decimals the fraction a token
 * cannot express is cut off (never rounded up: the contract must not owe more than was earned).
 */
export function tokenUnitsOf(micro: MicroPoints, decimals: number): bigint {
  if (micro < 0n) throw new RangeError('Negative points cannot be settled');
  if (decimals >= POINT_DECIMALS) return micro * 10n ** BigInt(decimals - POINT_DECIMALS);
  return micro / 10n ** BigInt(POINT_DECIMALS - decimals);
}

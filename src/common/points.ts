/**
 * Exact points arithmetic. Points are held as integer micro-points (bigint) in memory and as
 * NUMERIC(24, 6) in PostgreSQL; they become JSON numbers only at the edge, with at most 6 decimals.
 */
export type MicroPoints = bigint;

export const MICRO_PER_POINT = 1_000_000n;
const NUMERIC_PATTERN = /^(-?)(\d+)(?:\.(\d{1,6})\d*)?$/;

/** Parses a NUMERIC string from the database ("12.500000") into micro-points, truncating past 6 decimals. */
export function parseMicroPoints(value: string): MicroPoints {
  const match = NUMERIC_PATTERN.exec(value.trim());
  if (match === null) throw new Error(`Not a points value: ${value}`);
  const [, sign, whole, fraction = ''] = match;
  const micro = BigInt(whole!) * MICRO_PER_POINT + BigInt(fraction.padEnd(6, '0'));
  return sign === '-' ? -micro : micro;
}

/** Converts a (config or request) number with at most 6 meaningful decimals into micro-points. */
export function microPointsOf(points: number): MicroPoints {
  if (!Number.isFinite(points)) throw new Error(`Not a finite number of points: ${points}`);
  return parseMicroPoints(points.toFixed(6));
}

/** Formats micro-points as a NUMERIC literal for SQL parameters ("12.500000"). */
export function formatMicroPoints(micro: MicroPoints): string {
  const negative = micro < 0n;
  const abs = negative ? -micro : micro;
  const whole = abs / MICRO_PER_POINT;
  const fraction = (abs % MICRO_PER_POINT).toString().padStart(6, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/** The JSON number for micro-points. Exact to 6 decimals for any balance below 2^53 micro-points. */
export function pointsToJson(micro: MicroPoints): number {
  return Number(formatMicroPoints(micro));
}

/** Convenience for values read from NUMERIC columns straight into JSON. */
export function numericToJson(value: string | null | undefined): number {
  return value === null || value === undefined ? 0 : pointsToJson(parseMicroPoints(value));
}

/** Past this many micro-points a JSON number no longer converts back exactly (2^50: about 10^9 points). */
export const MAX_EXACT_JSON_MICRO = 2 ** 50;

/**
 * The exact micro-points of a JSON points value (a number made from a 6-decimal NUMERIC) as a plain
 * number, for hot paths where a bigint per value costs too much: below 2^50 micro-points, value ×
 * 10^6 is within a quarter of the integer it stands for. Undefined when negative or past that.
 */
export function exactMicroOfJson(points: number): number | undefined {
  const micro = Math.round(points * 1_000_000);
  return Number.isSafeInteger(micro) && micro >= 0 && micro <= MAX_EXACT_JSON_MICRO ? micro : undefined;
}

/** The JSON points of exact micro-points held as a number: the nearest number to micro / 10^6, as `pointsToJson` makes it. */
export function jsonOfExactMicro(micro: number): number {
  return micro / 1_000_000;
}

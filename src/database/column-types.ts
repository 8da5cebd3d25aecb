/** NUMERIC points columns stay strings in entities; `common/points` converts them exactly. */
export const NUMERIC_POINTS = { type: 'numeric', precision: 24, scale: 6 } as const;

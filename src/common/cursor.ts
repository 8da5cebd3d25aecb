import { DashboardError } from './errors';

/**
 * Opaque keyset cursors: the sort key of the last item of a page, as base64url JSON. Clients pass
 * them back unchanged; anything that does not decode to the expected shape is a ValidationError.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<K extends Record<string, string | number>>(
  cursor: string,
  isValid: (value: Record<string, unknown>) => value is K,
): K {
  let value: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw new Error('not base64url');
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isValid(value as Record<string, unknown>)) {
    throw invalidCursor();
  }
  return value as K;
}

function invalidCursor(): DashboardError {
  return DashboardError.validation('Invalid cursor', [{ field: 'cursor', problems: ['cursor is not valid'] }]);
}

/** A positive integer id below 2^53, as ids are (API.md). */
export function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Cursor key of pages ordered by id, newest first. */
export type IdCursor = { id: number };
export const isIdCursor = (value: Record<string, unknown>): value is IdCursor => isId(value.id);

/** Cursor key of pages ordered by (timestamp, id), newest first. */
export type TimeIdCursor = { t: string; id: number };
export const isTimeIdCursor = (value: Record<string, unknown>): value is TimeIdCursor =>
  isId(value.id) && typeof value.t === 'string' && !Number.isNaN(Date.parse(value.t));

/** One page of a list endpoint. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Builds a page from `limit + 1` rows fetched: the extra row only tells whether there is a next
 * page, and the cursor is the key of the last row returned.
 */
export function pageOf<Row, T>(
  rows: Row[],
  limit: number,
  map: (row: Row) => T,
  keyOf: (row: Row) => Record<string, string | number>,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

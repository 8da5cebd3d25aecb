import { ApiParam, ApiProperty } from '@nestjs/swagger';

/** Property decorators for the field kinds every response shares (API.md, "Conventions"). */

/** Ids: integers (Postgres bigint), below 2^53. */
export function ApiId(description?: string, example = 42) {
  return ApiProperty({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, example, description });
}

/** The `:id` path parameter: a decimal positive integer below 2^53, else 400 ValidationError. */
export function ApiIdParam(description: string) {
  return ApiParam({
    name: 'id',
    schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, example: 42 },
    description,
  });
}

/** RFC 3339 UTC timestamps with milliseconds. */
export function ApiTimestamp(description?: string, { nullable = false } = {}) {
  return ApiProperty({
    type: String,
    format: 'date-time',
    ...(nullable ? { nullable } : {}),
    example: '2026-11-29T08:00:00.000Z',
    description,
  });
}

/** Points: JSON numbers with at most 6 decimals, summed exactly on the server. */
export function ApiPoints(description: string, example = 12.5) {
  return ApiProperty({ type: 'number', example, description: `${description} (points, at most 6 decimals)` });
}

/** Counts of things: non-negative integers. */
export function ApiCount(description: string, example = 3) {
  return ApiProperty({ type: 'integer', minimum: 0, example, description });
}

/** `next_cursor` of paged lists. */
export function ApiNextCursor() {
  return ApiProperty({
    type: String,
    nullable: true,
    example: 'eyJpZCI6NDJ9',
    description: 'Opaque keyset cursor: pass it back unchanged as `cursor` for the next page; null on the last page',
  });
}

import { Client } from 'pg';
import { LoopSlicer } from '../../src/common/event-loop';
import { float8ArrayOf, int4ArrayOf, int8Array, int8ArrayOf, timestamptzArrayOf } from '../../src/database/binary-arrays';
import { TEST_POSTGRES_URL } from '../support/test-database';

/**
 * The ledger's array parameters in PostgreSQL's binary format, read back by a real PostgreSQL:
 * each element must arrive as itself (the ledger's exactness rests on it), and a value that
 * cannot must be refused before anything is sent.
 */
describe('binary array parameters', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
  });
  afterAll(() => client.end());

  const asText = async (cast: string, parameter: Buffer): Promise<string> => {
    const { rows } = await client.query<{ t: string }>(`SELECT ($1::${cast})::text AS t`, [parameter]);
    return rows[0]!.t;
  };

  it('sends int8 elements exactly, the extremes and negatives included', async () => {
    const values = Float64Array.of(0, 1, -1, 4_294_967_295, 4_294_967_296, -4_294_967_297, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 42);
    expect(await asText('bigint[]', await int8Array(values, values.length))).toBe(`{${Array.from(values).join(',')}}`);
    // Only the first `length` values, from a typed array of ids too.
    expect(await asText('bigint[]', await int8Array(Uint32Array.of(7, 4_000_000_000, 9), 2))).toBe('{7,4000000000}');
  });

  it('sends bigints beyond 2^53 as they are', async () => {
    const amounts = [9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n, 9_007_199_254_740_993n, 5n];
    expect(await asText('bigint[]', await int8ArrayOf(amounts.length, (i) => amounts[i]!))).toBe(`{${amounts.join(',')}}`);
  });

  it('sends int4, float8 and timestamptz elements exactly', async () => {
    const epochs = [0, 1, -1, 2_147_483_647, -2_147_483_648];
    expect(await asText('int[]', await int4ArrayOf(epochs.length, (i) => epochs[i]!))).toBe(`{${epochs.join(',')}}`);

    const scores = [0, 1, 0.1, 1 / 3, 0.987654321, 5e-324];
    const { rows } = await client.query<{ s: number[] }>(`SELECT $1::float8[] AS s`, [await float8ArrayOf(scores.length, (i) => scores[i]!)]);
    expect(rows[0]!.s).toEqual(scores);

    const times = [Date.UTC(2026, 11, 3, 9, 0, 0), Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 0, 1), 1_764_755_123_456];
    const { rows: stamps } = await client.query<{ t: string[] }>(
      `SELECT array_agg(to_char(x AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') ORDER BY n) AS t
         FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(x, n)`,
      [await timestamptzArrayOf(times.length, (i) => times[i]!)],
    );
    expect(stamps[0]!.t).toEqual(times.map((ms) => new Date(ms).toISOString()));
  });

  it('sends empty arrays', async () => {
    expect(await asText('bigint[]', await int8Array(new Float64Array(3), 0))).toBe('{}');
    expect(await asText('int[]', await int4ArrayOf(0, () => 1))).toBe('{}');
    expect(await asText('float8[]', await float8ArrayOf(0, () => 1))).toBe('{}');
    expect(await asText('timestamptz[]', await timestamptzArrayOf(0, () => 1))).toBe('{}');
  });

  it('builds a long array across many slices of the event loop, in order', async () => {
    const length = 100_003;
    const values = Float64Array.from({ length }, (_, i) => i * 1_000_003 - 7);
    const slicer = new LoopSlicer();
    let turns = 0;
    const counting = { spent: () => true, yield: async () => { turns++; await slicer.yield(); } } as unknown as LoopSlicer;
    const { rows } = await client.query<{ n: string; s: string; first: string; last: string }>(
      `SELECT count(*)::text AS n, sum(x)::text AS s, (array_agg(x ORDER BY o))[1]::text AS first, (array_agg(x ORDER BY o))[$2]::text AS last
         FROM unnest($1::bigint[]) WITH ORDINALITY AS u(x, o)`,
      [await int8Array(values, length, counting), length],
    );
    const sum = values.reduce((total, value) => total + BigInt(value), 0n);
    expect(rows[0]).toEqual({ n: String(length), s: sum.toString(), first: '-7', last: String(values[length - 1]) });
    expect(turns).toBeGreaterThan(20);
  });

  it('refuses values that would not arrive as themselves', async () => {
    await expect(int8Array(Float64Array.of(1, 0.5), 2)).rejects.toThrow(RangeError);
    await expect(int8Array(Float64Array.of(2 ** 53), 1)).rejects.toThrow(RangeError);
    await expect(int8Array(Float64Array.of(Number.NaN), 1)).rejects.toThrow(RangeError);
    await expect(int8ArrayOf(1, () => 2n ** 63n)).rejects.toThrow(RangeError);
    await expect(int4ArrayOf(1, () => 2 ** 31)).rejects.toThrow(RangeError);
    await expect(timestamptzArrayOf(1, () => 1.5)).rejects.toThrow(RangeError);
    // The connection is still good after a refusal: nothing half-built was sent.
    expect(await asText('bigint[]', await int8Array(Float64Array.of(3), 1))).toBe('{3}');
  });
});

import { performance } from 'node:perf_hooks';
import {
  columnLiteral,
  distinctInSlices,
  distinctOfLists,
  integersLiteral,
  LoopSlicer,
  numbersOf,
  orderInSlices,
  SLICE_MS,
  sortInSlices,
  yieldToEventLoop,
} from './event-loop';

describe('yieldToEventLoop', () => {
  it('resumes concurrent yielders one per turn of the event loop, so their slices never add up', async () => {
    const order: string[] = [];
    const first = yieldToEventLoop().then(() => order.push('first'));
    const second = yieldToEventLoop().then(() => order.push('second'));
    // Queued after both yields, in the same turn: it runs between them, not after both.
    setImmediate(() => order.push('other work'));
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'other work', 'second']);
  });
});

describe('sortInSlices', () => {
  it('sorts like Array.prototype.sort, stably, across many runs and merges', async () => {
    // Pseudo-random keys with many duplicates; the index tells whether equal keys kept their order.
    let seed = 7;
    const random = (): number => (seed = (seed * 48271) % 2147483647) % 1000;
    for (const length of [0, 1, 2, 2_499, 2_500, 12_345]) {
      const items = Array.from({ length }, (_, index) => ({ key: random(), index }));
      const compare = (a: { key: number }, b: { key: number }): number => a.key - b.key;
      const sorted = await sortInSlices(items, compare);
      expect(sorted).toEqual([...items].sort((a, b) => compare(a, b) || a.index - b.index));
      expect(items.map((item) => item.index)).toEqual(Array.from({ length }, (_, index) => index)); // input untouched
    }
  });
});

describe('orderInSlices', () => {
  it('orders indices by numeric key, stably, by radix and (for keys beyond 2^48) by comparator', async () => {
    let seed = 11;
    const random = (range: number): number => (seed = (seed * 48271) % 2147483647) % range;
    for (const [length, range, offset] of [
      [0, 10, 0],
      [1, 10, 0],
      [5, 3, 0],
      [40_000, 1_000, 0],
      [40_000, 100_000, 2 ** 32], // three passes
      [40_000, 1_000, 2 ** 50], // beyond 2^48: the comparator path
    ] as const) {
      const keys = Float64Array.from({ length }, () => offset + random(range));
      const order = await orderInSlices(keys, length);
      const expected = Array.from({ length }, (_, index) => index).sort((a, b) => keys[a]! - keys[b]! || a - b);
      expect(Array.from(order)).toEqual(expected);
    }
    // Only the first `length` keys count.
    expect(Array.from(await orderInSlices(Float64Array.from([3, 1, 0]), 2))).toEqual([1, 0]);
  });
});

describe('columnLiteral', () => {
  it('formats a PostgreSQL array literal of unquoted values, in chunks', async () => {
    const literalOf = <T>(items: readonly T[], format: (item: T) => string | number) => columnLiteral(items.length, (i) => format(items[i]!));
    expect(await literalOf([], (n: number) => n)).toBe('{}');
    expect(await literalOf([1, -2, 3], (n) => n)).toBe('{1,-2,3}');
    const many = Array.from({ length: 2_501 }, (_, i) => i);
    expect(await literalOf(many, (n) => n * 2)).toBe(`{${many.map((n) => n * 2).join(',')}}`);
    expect(await literalOf([new Date(0)], (at) => at.toISOString())).toBe('{1970-01-01T00:00:00.000Z}');
  });

  it('formats columns the same: by row index, or integers of a typed array up to its given length', async () => {
    const many = Array.from({ length: 9_001 }, (_, i) => i * 1_000_003);
    const expected = `{${many.join(',')}}`;
    expect(await columnLiteral(many.length, (i) => many[i]!)).toBe(expected);
    expect(await integersLiteral(Float64Array.from([...many, 7]), many.length)).toBe(expected);
    expect(await integersLiteral(Float64Array.of(Number.MAX_SAFE_INTEGER, -3), 2)).toBe('{9007199254740991,-3}');
    expect(await integersLiteral(new Uint32Array(4), 0)).toBe('{}');
    expect(await columnLiteral(0, () => 1)).toBe('{}');
  });
});

describe('LoopSlicer', () => {
  it('asks for a yield only once its time budget is spent', async () => {
    const slicer = new LoopSlicer();
    let due = 0;
    for (let i = 0; i < 640; i++) if (slicer.due()) due++;
    expect(due).toBe(0); // 640 empty steps take far less than a slice
    const until = performance.now() + SLICE_MS + 1;
    while (performance.now() < until) {
      // a unit of work longer than the budget
    }
    let asked = false;
    for (let i = 0; i < 64; i++) asked = slicer.due() || asked;
    expect(asked).toBe(true);
    await slicer.yield();
    expect(slicer.due()).toBe(false); // a fresh budget after the yield
  });
});

describe('distinctInSlices', () => {
  it('gives the distinct values ascending, of the given length only', async () => {
    expect(Array.from(await distinctInSlices(Float64Array.of(5, 3, 5, 1, 3, 9, 7), 6))).toEqual([1, 3, 5, 9]);
    expect(Array.from(await distinctInSlices(new Float64Array(0), 0))).toEqual([]);
    const many = Float64Array.from({ length: 50_000 }, (_, i) => (i * 7_919) % 20_011);
    expect(Array.from(await distinctInSlices(many, many.length))).toEqual([...new Set(many)].sort((a, b) => a - b));
  });
});

describe('distinctOfLists', () => {
  it('merges ascending lists in order, each value once', async () => {
    expect(await distinctOfLists([[1, 1, 4, 9], Float64Array.of(2, 4, 4, 10), [], [0, 9]])).toEqual([0, 1, 2, 4, 9, 10]);
    expect(await distinctOfLists([])).toEqual([]);
    // More than one chunk of the merge.
    const evens = Array.from({ length: 9_000 }, (_, i) => i * 2);
    const threes = Array.from({ length: 6_000 }, (_, i) => i * 3);
    expect(await distinctOfLists([evens, threes])).toEqual([...new Set([...evens, ...threes])].sort((a, b) => a - b));
  });
});

describe('numbersOf', () => {
  it('gives the first `length` values of a typed array as an array of numbers', async () => {
    const values = Float64Array.from({ length: 10_000 }, (_, i) => i * 3 + 0.5);
    const numbers = await numbersOf(values, 9_999);
    expect(Array.isArray(numbers)).toBe(true);
    expect(numbers).toEqual(Array.from(values.subarray(0, 9_999)));
    expect(await numbersOf(values, 0)).toEqual([]);
  });
});

import { allocate } from './allocation';

const A = '0x1111111111111111111111111111111111111111';
const B = '0x2222222222222222222222222222222222222222';
const C = '0x3333333333333333333333333333333333333333';

describe('allocate (relink semantics)', () => {
  it('gives a linked wallet the whole cumulative amount', () => {
    const { allocations } = allocate([{ userId: 1, wallet: A, cumulative: 100n }], [], new Map());
    expect(allocations).toEqual([{ account: A, userId: 1, amount: 100n }]);
  });

  it('freezes the old address at its last amount and gives the new one the rest', () => {
    const previous = [{ account: A, userId: 1, amount: 100n }];
    const { allocations } = allocate([{ userId: 1, wallet: B, cumulative: 250n }], previous, new Map([[A.toLowerCase(), 1]]));
    expect(allocations).toEqual([
      { account: A, userId: 1, amount: 100n },
      { account: B, userId: 1, amount: 150n },
    ]);
    // Relinking back to A: B freezes at 150, A grows from 100 to the rest.
    const back = allocate([{ userId: 1, wallet: A, cumulative: 300n }], allocations, new Map());
    expect(back.allocations).toEqual([
      { account: B, userId: 1, amount: 150n },
      { account: A, userId: 1, amount: 150n },
    ]);
  });

  it('keeps the leaves of a user with no wallet now, and never lowers an amount', () => {
    const previous = [{ account: A, userId: 1, amount: 100n }];
    expect(allocate([{ userId: 1, wallet: null, cumulative: 500n }], previous, new Map()).allocations).toEqual(previous);
    expect(allocate([], previous, new Map()).allocations).toEqual(previous);
    expect(allocate([{ userId: 1, wallet: A, cumulative: 90n }], previous, new Map()).allocations).toEqual(previous);
  });

  it('leaves out an address that carries another user’s earnings', () => {
    const result = allocate([{ userId: 2, wallet: C, cumulative: 10n }], [], new Map([[C.toLowerCase(), 1]]));
    expect(result.allocations).toEqual([]);
    expect(result.refused).toEqual([{ userId: 2, account: C }]);
  });

  it('skips a wallet with nothing earned yet', () => {
    expect(allocate([{ userId: 1, wallet: A, cumulative: 0n }], [], new Map()).allocations).toEqual([]);
  });
});

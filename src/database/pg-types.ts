import { types } from 'pg';

const INT8_OID = 20;

/**
 * Type parsers for our pools: BIGINT (ids, counts) as JS numbers. Ids stay below 2^53 by
 * contract (API.md), and sums of points are NUMERIC, which stays a string. Passed per pool rather
 * than set globally, so other pg users in the process are unaffected.
 */
export const PG_TYPE_PARSERS = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') {
      return (value: string) => {
        const parsed = Number(value);
        if (!Number.isSafeInteger(parsed)) throw new Error(`BIGINT out of the safe range: ${value}`);
        return parsed;
      };
    }
    return types.getTypeParser(oid, format as 'text');
  },
};

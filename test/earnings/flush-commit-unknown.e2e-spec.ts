import { ledgerBucketStartMs } from '../../src/common/epoch';
import { AccrualFlusher } from '../../src/modules/network/accrual/accrual-flusher.service';
import { registerUser } from '../support/api-client';
import { ledgerMismatches } from '../support/ledger-invariant';
import { sql } from '../support/sql';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The outage sequence with real PostgreSQL failures, made by triggers on `user_balances` (a row
 * every ledger batch writes): a flush whose COMMIT fails (a deferred constraint trigger raises at
 * COMMIT, so the flusher cannot know whether it was applied), then a retry that fails before its
 * COMMIT (a row trigger raises at once, as a refused connection would fail it), then a retry that
 * succeeds. The accruals are in the ledger exactly once.
 */
describe('a flush whose COMMIT failed, then whose retry failed before COMMIT', () => {
  let app: TestApp;
  let flusher: AccrualFlusher;

  beforeAll(async () => {
    // No timer flushes in between: the test drives every flush.
    app = await startTestApp({ label: 'flush-commit-unknown', env: { EARNINGS_FLUSH_MS: '600000' } });
    flusher = app.server.app.get(AccrualFlusher);
    await sql(
      app.database.url,
      `CREATE TABLE test_fault (mode text NOT NULL);
       INSERT INTO test_fault VALUES ('');
       CREATE FUNCTION test_fault_at() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (SELECT mode FROM test_fault) = TG_ARGV[0] THEN RAISE EXCEPTION 'test fault: %', TG_ARGV[0]; END IF;
         RETURN NEW;
       END $$;`,
    );
    await sql(
      app.database.url,
      `CREATE CONSTRAINT TRIGGER test_fault_commit AFTER INSERT OR UPDATE ON user_balances
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fault_at('commit');
       CREATE TRIGGER test_fault_now BEFORE INSERT OR UPDATE ON user_balances
         FOR EACH ROW EXECUTE FUNCTION test_fault_at('now')`,
    );
  });
  afterAll(() => app?.close());

  const setFault = (mode: '' | 'commit' | 'now') => sql(app.database.url, `UPDATE test_fault SET mode = $1`, [mode]);
  const networkMicro = async (userId: number) => {
    const [row] = await sql<{ micro: string }>(
      app.database.url,
      `SELECT (COALESCE(sum(amount), 0) * 1000000)::bigint::text AS micro FROM earnings WHERE user_id = $1 AND source = 'Network'`,
      [userId],
    );
    return BigInt(row!.micro);
  };

  it('writes the accruals once', async () => {
    const user = await registerUser(app);
    const now = Date.now();
    const bucket = ledgerBucketStartMs(now, app.config.earnings);
    // Node id 0 matches no node row: only the credit matters here.
    flusher.buffer.add(0, user.id, bucket, 30, 500_000, 1, now);

    await setFault('commit');
    await flusher.flush();
    expect(flusher.idle).toBe(false);
    expect(await networkMicro(user.id)).toBe(0n);

    await setFault('now');
    await flusher.flush();
    expect(flusher.idle).toBe(false);
    expect(await networkMicro(user.id)).toBe(0n);

    await setFault('');
    await flusher.flush(); // the batch of unknown outcome, under its own id
    await flusher.flush(); // anything left in the buffer
    expect(flusher.idle).toBe(true);
    expect(await networkMicro(user.id)).toBe(500_000n);
    expect(await ledgerMismatches(app.database.url)).toEqual([]);
  });
});

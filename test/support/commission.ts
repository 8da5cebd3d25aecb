import { setImmediate } from 'node:timers/promises';
import { LedgerService } from '../../src/modules/earnings/ledger.service';
import { TestApp } from './test-app';

/**
 * Folds every commission row staged so far into the ledger, through `app`: a fold that starts
 * now sees every row committed before. While another instance holds the fold lock, tries again
 * once that one has had its turn; a failed fold fails the test.
 */
export async function foldCommission(app: TestApp): Promise<number> {
  const ledger = app.server.app.get(LedgerService);
  for (;;) {
    const outcome = await ledger.foldCommission();
    if (outcome.state === 'folded') return outcome.rows;
    if (outcome.state === 'failed') throw outcome.error;
    await setImmediate();
  }
}

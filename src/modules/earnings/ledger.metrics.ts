import { Injectable } from '@nestjs/common';
import { Counter, Gauge, register } from 'prom-client';

/** The ledger's write path: staged commission not yet folded, failed folds, and every retry of a transient conflict. */
@Injectable()
export class LedgerMetrics {
  readonly commissionStagedRows = metric('dashboard_ledger_commission_staged_rows', () =>
    new Gauge({
      name: 'dashboard_ledger_commission_staged_rows',
      help: 'Commission rows staged by flushes and not yet folded into the ledger (cluster-wide, as of this instance\'s last fold attempt)',
    }),
  );
  readonly commissionFoldFailures = metric('dashboard_ledger_commission_fold_failures_total', () =>
    new Counter({
      name: 'dashboard_ledger_commission_fold_failures_total',
      help: 'Commission folds that failed (the rows stay staged and a later fold applies them)',
    }),
  );
  /** Each retry after a deadlock or serialization failure, by what was retried (`batch`, `fold`). */
  readonly retries = metric('dashboard_ledger_retries_total', () =>
    new Counter({
      name: 'dashboard_ledger_retries_total',
      help: 'Ledger transactions retried after a deadlock or serialization failure, by step',
      labelNames: ['step'],
    }),
  );

  constructor() {
    // Exported at 0 from the start, so "no retries" is a sample, not a missing series.
    for (const step of LEDGER_RETRY_STEPS) this.retries.inc({ step }, 0);
  }
}

/** What a ledger retry retried: one transaction of a batch (a shard), or a commission fold. */
export const LEDGER_RETRY_STEPS = ['batch', 'fold'] as const;

function metric<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

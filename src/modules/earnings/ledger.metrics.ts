import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { registeredMetric } from '../metrics/registered-metric';

/** What a ledger retry retried: one transaction of a batch (the whole batch, or one shard of it). */
export const LEDGER_RETRY_STEPS = ['batch'] as const;
export type LedgerRetryStep = (typeof LEDGER_RETRY_STEPS)[number];

/** The ledger's write path: every retry of a transient conflict with a concurrent transaction. */
@Injectable()
export class LedgerMetrics {
  /** Each retry after a deadlock or serialization failure, by what was retried. */
  readonly retries = registeredMetric('dashboard_ledger_retries_total', () =>
    new Counter<'step'>({
      name: 'dashboard_ledger_retries_total',
      help: 'Ledger transactions retried after a deadlock or serialization failure, by step',
      labelNames: ['step'],
    }),
  );

  constructor() {
    // Exported at 0 from the start, so "no retries" is a sample, not a missing series.
    for (const step of LEDGER_RETRY_STEPS) this.retries.inc({ step }, 0);
  }

  retried(step: LedgerRetryStep): void {
    this.retries.inc({ step });
  }
}

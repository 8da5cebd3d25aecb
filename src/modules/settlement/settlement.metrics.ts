import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { registeredMetric } from '../metrics/registered-metric';

/** Settlement progress: how far epochs are settled and published, and publication failures. */
@Injectable()
export class SettlementMetrics {
  readonly lastSettledEpoch = registeredMetric('dashboard_settlement_last_settled_epoch', () =>
    new Gauge({ name: 'dashboard_settlement_last_settled_epoch', help: 'Newest epoch this instance settled (or found settled)' }),
  );
  readonly lastPublishedEpoch = registeredMetric('dashboard_settlement_last_published_epoch', () =>
    new Gauge({ name: 'dashboard_settlement_last_published_epoch', help: 'Newest epoch whose root this instance saw published' }),
  );
  readonly publishFailures = registeredMetric('dashboard_settlement_publish_failures_total', () =>
    new Counter({ name: 'dashboard_settlement_publish_failures_total', help: 'Failed attempts to publish an epoch root (retried with backoff)' }),
  );
}
